#pragma once
// A calm in-window message line (info, warning or error) with an optional
// action button. Errors are shown here in plain words, never as a crash
// or a blocking dialog.

#include <QWidget>
#include <functional>

class QLabel;
class QPushButton;

namespace fd::ui {

class MessageBar : public QWidget {
  Q_OBJECT
 public:
  enum class Level { Info, Warning, Error };
  explicit MessageBar(QWidget* parent = nullptr);

  // `text` is rich text: escape paths and messages (QString::toHtmlEscaped).
  void showMessage(Level level, const QString& text, const QString& actionText = {},
                   std::function<void()> action = {});
  void clearMessage();
  QString text() const;  // as shown (rich text); empty when hidden
  Level level() const { return level_; }
  QPushButton* actionButton() const { return action_; }

 private:
  QLabel* label_;
  QPushButton* action_;
  QPushButton* close_;
  std::function<void()> onAction_;
  Level level_ = Level::Info;
};

}  // namespace fd::ui
