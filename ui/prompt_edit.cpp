#include "prompt_edit.h"

#include <QKeyEvent>

namespace fd::ui {

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
  setPlaceholderText(tr("Describe the image… (Ctrl+Enter to generate)"));
  setTabChangesFocus(true);
  setObjectName(QStringLiteral("promptEdit"));
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
  const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
  if (enter && (event->modifiers() & Qt::ControlModifier)) {
    emit submitRequested();
    event->accept();
    return;
  }
  QPlainTextEdit::keyPressEvent(event);
}

}  // namespace fd::ui
