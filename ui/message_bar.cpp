#include "message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace fd::ui {

MessageBar::MessageBar(QWidget* parent) : QWidget(parent) {
  setAutoFillBackground(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  label_ = new QLabel(this);
  label_->setWordWrap(true);
  label_->setTextFormat(Qt::RichText);  // callers escape what they did not write
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  action_ = new QPushButton(this);
  close_ = new QPushButton(tr("Dismiss"), this);
  layout->addWidget(label_, 1);
  layout->addWidget(action_);
  layout->addWidget(close_);
  connect(action_, &QPushButton::clicked, this, [this] {
    if (onAction_) onAction_();
  });
  connect(close_, &QPushButton::clicked, this, &MessageBar::clearMessage);
  setVisible(false);
}

void MessageBar::showMessage(Level level, const QString& text, const QString& actionText,
                             std::function<void()> action) {
  level_ = level;
  static const char* colours[] = {"#e8f0fe", "#fff4e5", "#fdecea"};
  QPalette pal = palette();
  pal.setColor(QPalette::Window, QColor(QString::fromLatin1(colours[static_cast<int>(level)])));
  pal.setColor(QPalette::WindowText, Qt::black);
  setPalette(pal);
  label_->setText(text);
  onAction_ = std::move(action);
  action_->setText(actionText);
  action_->setVisible(!actionText.isEmpty() && onAction_);
  setVisible(true);
}

void MessageBar::clearMessage() {
  label_->clear();
  onAction_ = nullptr;
  setVisible(false);
}

QString MessageBar::text() const { return isVisible() ? label_->text() : QString(); }

}  // namespace fd::ui
