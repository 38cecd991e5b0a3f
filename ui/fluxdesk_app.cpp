#include "fluxdesk_app.h"

#include <QApplication>
#include <QMessageBox>

#include "app_services.h"
#include "app_settings.h"
#include "main_window.h"
#include "service/model_downloads.h"

namespace fd::ui {

int runApplication(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("FluxDesk"));
  QApplication::setApplicationName(QStringLiteral("FluxDesk"));
  QApplication::setApplicationVersion(QStringLiteral(FLUXDESK_VERSION));

  AppSettings settings;
  ServicePaths paths;
  paths.libraryFolder = settings.libraryFolder();
  paths.modelFolder = settings.modelFolder();
  paths.modelPreset = settings.modelPreset();
  paths.demoModelFolder = settings.demoModelFolder();
  AppServices services(paths, settings.engineOptions());
  Status ready = services.init();
  if (!ready.ok()) {
    QMessageBox::critical(nullptr, QObject::tr("FluxDesk cannot start"),
                          QString::fromStdString(ready.error().message));
    return 1;
  }
  services.downloads()->setSettingsToken(settings.hubToken());
  MainWindow window(settings, services);
  window.show();
  return app.exec();
}

}  // namespace fd::ui
