#pragma once
// The gallery: a search box over an icon-mode list of every image, with a
// context menu (use as input, reuse settings).

#include <QWidget>
#include <optional>

#include "service/image_record.h"

class QLineEdit;
class QListView;
class QMenu;
class QSortFilterProxyModel;

namespace fd {
class ImageLibrary;
}

namespace fd::ui {

class GalleryModel;
class ThumbnailLoader;

class GalleryWidget : public QWidget {
  Q_OBJECT
 public:
  GalleryWidget(ImageLibrary* library, QWidget* parent = nullptr);

  std::optional<ImageRecord> currentRecord() const;
  std::vector<ImageRecord> selectedRecords() const;
  std::vector<ImageRecord> allRecords() const;  // as filtered
  void selectId(const QString& id);
  void selectFirst();

  GalleryModel* model() const { return model_; }
  QListView* view() const { return view_; }
  QLineEdit* searchBox() const { return search_; }
  ThumbnailLoader* thumbnails() const { return thumbnails_; }
  // The context menu of `record` (the caller owns it; tests trigger its actions).
  QMenu* contextMenuFor(const ImageRecord& record);

 signals:
  void currentChanged(const std::optional<fd::ImageRecord>& record);
  void useAsInputRequested(const fd::ImageRecord& record);
  void reuseSettingsRequested(const fd::ImageRecord& record);

 private:
  const ImageRecord* recordAtProxyRow(int row) const;

  ThumbnailLoader* thumbnails_;
  GalleryModel* model_;
  QSortFilterProxyModel* proxy_;
  QLineEdit* search_;
  QListView* view_;
};

}  // namespace fd::ui
