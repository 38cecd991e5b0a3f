#pragma once
// What the local API looks like while it runs: its URL, the key when one is
// set, a copyable curl example, warnings, and the request log.

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;

namespace fd {
class ApiServer;
struct ApiLogEntry;
}  // namespace fd

namespace fd::ui {

class ServerPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ServerPanel(ApiServer* server, QWidget* parent = nullptr);
  void refresh();  // after start/stop
  QString urlText() const;
  QString curlText() const;
  int logLines() const;

 private:
  void onRequestLogged(const fd::ApiLogEntry& entry);

  ApiServer* server_;
  QLabel* url_;
  QPlainTextEdit* curl_;
  QListWidget* log_;
};

}  // namespace fd::ui
