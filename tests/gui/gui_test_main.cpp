// GUI tests need a QApplication for the whole run (before any widget).
#include <gtest/gtest.h>

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>

#include "support/test_paths.h"

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen")
                                                                  : qgetenv("QT_QPA_PLATFORM"));
  // Settings, standard paths and the trash (Delete moves images there) go
  // to throw-away places, never the user's.
  QStandardPaths::setTestModeEnabled(true);
  static fd::test::TempDir settingsDir("gui-settings");
  const QByteArray home = QByteArray::fromStdString(settingsDir.path().string());
  qputenv("HOME", home);
  qputenv("XDG_DATA_HOME", home + "/.local/share");
  qputenv("XDG_CONFIG_HOME", home + "/.config");
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                     QString::fromStdString(settingsDir.path().string()));
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("FluxDeskTest"));
  QApplication::setApplicationName(QStringLiteral("FluxDeskTest"));
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
