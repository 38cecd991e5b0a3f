#include "fluxdesk_app.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QTimer>
#include <cstdio>

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
  // The desktop entry's name (packaging/): Wayland compositors match the
  // window to its entry and icon with it.
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.fluxdesk.FluxDesk"));
  // The installed icon (hicolor theme) for the window on X11; none from a build tree.
  QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.fluxdesk.FluxDesk")));

  // Qt's own options (-platform, -style, ...) are taken by QApplication
  // above; these are FluxDesk's (man page: packaging/man/fluxdesk.1).
  QCommandLineParser parser;
  parser.setApplicationDescription(QObject::tr("FLUX.1 [schnell] text-to-image on this computer."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption quitAfter(
      QStringLiteral("quit-after"),
      QObject::tr("Close the window and quit SECONDS after it opens (scripted runs and tests)."),
      QStringLiteral("SECONDS"));
  parser.addOption(quitAfter);
  parser.process(app);
  double quitAfterSeconds = -1;
  if (parser.isSet(quitAfter)) {
    bool ok = false;
    quitAfterSeconds = parser.value(quitAfter).toDouble(&ok);
    if (!ok || quitAfterSeconds < 0 || quitAfterSeconds > 86400) {
      std::fprintf(stderr, "fluxdesk: --quit-after: '%s' is not a number of seconds\n",
                   qPrintable(parser.value(quitAfter)));
      return 2;
    }
  }

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
  if (quitAfterSeconds >= 0)
    QTimer::singleShot(int(quitAfterSeconds * 1000), &window, &QWidget::close);
  return app.exec();
}

}  // namespace fd::ui
