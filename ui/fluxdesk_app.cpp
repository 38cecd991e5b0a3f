#include "fluxdesk_app.h"

#include <QApplication>
#include <QLabel>

namespace fd::ui {
int runApplication(int argc, char** argv) {
  QApplication app(argc, argv);
  QLabel label("FluxDesk");
  label.show();
  return app.exec();
}
}  // namespace fd::ui
