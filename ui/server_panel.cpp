#include "server_panel.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "service/api_server.h"
#include "service/service_metatypes.h"

namespace fd::ui {

ServerPanel::ServerPanel(ApiServer* server, QWidget* parent) : QWidget(parent), server_(server) {
  auto* layout = new QVBoxLayout(this);
  url_ = new QLabel(this);
  url_->setObjectName(QStringLiteral("serverUrl"));
  url_->setWordWrap(true);
  url_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(url_);
  curl_ = new QPlainTextEdit(this);
  curl_->setObjectName(QStringLiteral("curlExample"));
  curl_->setReadOnly(true);
  curl_->setMaximumHeight(90);
  layout->addWidget(curl_);
  auto* copy = new QPushButton(tr("Copy curl example"), this);
  copy->setObjectName(QStringLiteral("copyCurlButton"));
  auto* row = new QHBoxLayout();
  row->addWidget(copy);
  row->addStretch(1);
  layout->addLayout(row);
  layout->addWidget(new QLabel(tr("Requests"), this));
  log_ = new QListWidget(this);
  log_->setObjectName(QStringLiteral("requestLog"));
  layout->addWidget(log_, 1);
  connect(copy, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(curl_->toPlainText()); });
  connect(server_, &ApiServer::requestLogged, this, &ServerPanel::onRequestLogged);
  connect(server_, &ApiServer::runningChanged, this, &ServerPanel::refresh);
  refresh();
}

void ServerPanel::refresh() {
  if (!server_->isRunning()) {
    url_->setText(tr("The local API is off. Turn it on with the “API server” toolbar button."));
    curl_->clear();
    return;
  }
  QString text =
      tr("Serving the OpenAI-compatible image API at <b>%1/v1</b>").arg(server_->baseUrl());
  const std::string key = server_->config().apiKey;
  text += key.empty()
              ? tr("<br>No API key is required (loopback only).")
              : tr("<br>API key: <code>%1</code>").arg(QString::fromStdString(key).toHtmlEscaped());
  for (const QString& w : server_->warnings()) text += QStringLiteral("<br>⚠ ") + w.toHtmlEscaped();
  url_->setText(text);
  curl_->setPlainText(server_->curlExample());
}

void ServerPanel::onRequestLogged(const ApiLogEntry& entry) {
  log_->addItem(entry.toLine());
  while (log_->count() > 500) delete log_->takeItem(0);
  log_->scrollToBottom();
}

QString ServerPanel::urlText() const { return url_->text(); }
QString ServerPanel::curlText() const { return curl_->toPlainText(); }
int ServerPanel::logLines() const { return log_->count(); }

}  // namespace fd::ui
