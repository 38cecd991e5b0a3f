#pragma once
// Multi-line prompt editor: Ctrl+Enter (or Cmd+Enter) submits.

#include <QPlainTextEdit>

namespace fd::ui {

class PromptEdit : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit PromptEdit(QWidget* parent = nullptr);

 signals:
  void submitRequested();

 protected:
  void keyPressEvent(QKeyEvent* event) override;
};

}  // namespace fd::ui
