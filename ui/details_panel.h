#pragma once
// The selected image, large, with its settings and the actions a user
// looks for: copy image, copy prompt, reuse settings or seed, export, show
// in the file manager, use as the input of the next image, delete (after
// confirmation).

#include <QWidget>
#include <optional>

#include "service/image_record.h"

class QLabel;
class QToolButton;

namespace fd::ui {

class ImageView;

class DetailsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DetailsPanel(QWidget* parent = nullptr);

  void showRecord(const std::optional<ImageRecord>& record);
  const std::optional<ImageRecord>& record() const { return record_; }
  ImageView* view() const { return view_; }
  QString infoText() const;

  void copyImage();
  void copyPrompt();
  void showInFileManager();

 signals:
  void reuseSettingsRequested(const fd::ImageRecord& record);
  void reuseSeedRequested(quint64 seed);
  void useAsInputRequested(const fd::ImageRecord& record);
  void exportRequested();
  void deleteRequested(const QString& id);

 private:
  QToolButton* addAction(const QString& text, const QString& name, const QString& tip);

  ImageView* view_;
  QLabel* info_;
  QWidget* actions_;
  std::optional<ImageRecord> record_;
};

}  // namespace fd::ui
