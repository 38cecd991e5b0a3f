// The export and settings dialogs, filled in like a user would.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include "app_settings.h"
#include "export_dialog.h"
#include "gui_fixture.h"
#include "settings_dialog.h"

namespace fd::test {
namespace {

ui::ExportItem sampleItem() {
  ui::ExportItem item;
  item.prompt = QStringLiteral("A red fox in snow");
  item.seed = 42;
  item.created = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5));
  return item;
}

TEST(ExportDialog, StartsFromTheLastChoicesAndSavesNewOnes) {
  TempDir out("export-dialog");
  ui::AppSettings settings;
  settings.setExportFolder(QString::fromStdString(out.path().string()));
  settings.setExportFormat(QStringLiteral("jpeg"));
  settings.setExportQuality(77);
  settings.setExportPattern(QStringLiteral("{date}-{seed}-{prompt}"));
  ui::ExportDialog dialog(settings, 2, sampleItem());
  EXPECT_TRUE(dialog.windowTitle().contains(QStringLiteral("2 images")));
  ui::ExportOptions o = dialog.options();
  EXPECT_EQ(o.folder, QString::fromStdString(out.path().string()));
  EXPECT_EQ(o.format, QStringLiteral("jpeg"));
  EXPECT_EQ(o.quality, 77);
  EXPECT_EQ(dialog.exampleName(), QStringLiteral("20260102-42-a-red-fox-in-snow.jpg"));

  auto* format = dialog.findChild<QComboBox*>(QStringLiteral("exportFormat"));
  auto* quality = dialog.findChild<QSpinBox*>(QStringLiteral("exportQuality"));
  auto* pattern = dialog.findChild<QLineEdit*>(QStringLiteral("exportPattern"));
  auto* folder = dialog.findChild<QLineEdit*>(QStringLiteral("exportFolderEdit"));
  ASSERT_TRUE(format && quality && pattern && folder);
  QStringList formats;
  for (int i = 0; i < format->count(); ++i) formats << format->itemData(i).toString();
  EXPECT_EQ(formats, ui::availableExportFormats());
  EXPECT_TRUE(quality->isEnabled());
  format->setCurrentIndex(format->findData(QStringLiteral("png")));
  EXPECT_FALSE(quality->isEnabled()) << "PNG is lossless";
  pattern->clear();
  QTest::keyClicks(pattern, QStringLiteral("{seed}_{width}x{height}"));
  EXPECT_EQ(dialog.exampleName(), QStringLiteral("42_1024x1024.png"));

  auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
  folder->clear();
  EXPECT_FALSE(ok->isEnabled());
  EXPECT_FALSE(dialog.problem().isEmpty());
  QTest::keyClicks(folder, QString::fromStdString(out.path().string()));
  ASSERT_TRUE(ok->isEnabled());
  QTest::mouseClick(ok, Qt::LeftButton);
  EXPECT_EQ(dialog.result(), QDialog::Accepted);
  EXPECT_EQ(settings.exportFormat(), QStringLiteral("png"));
  EXPECT_EQ(settings.exportPattern(), QStringLiteral("{seed}_{width}x{height}"));
}

TEST(SettingsDialog, ChecksTheModelFolderOnTheSpot) {
  ui::AppSettings settings;
  settings.setModelFolder(QString());
  ui::SettingsDialog dialog(settings);
  EXPECT_TRUE(dialog.modelReport().contains(QStringLiteral("demo model")));

  // The demo model is a complete FLUX.1-schnell-layout folder.
  dialog.modelFolderEdit()->setText(demoModelFolder());
  ASSERT_TRUE(
      waitUntil([&] { return dialog.modelReport().contains(QStringLiteral("Complete")); }, 5000))
      << dialog.modelReport().toStdString();
  EXPECT_FALSE(dialog.modelReport().contains(QStringLiteral("missing")));

  // An empty folder: every component listed as missing, with where it was looked for.
  TempDir empty("settings-empty-model");
  const QString emptyPath = QString::fromStdString(empty.path().string());
  dialog.modelFolderEdit()->setText(emptyPath);
  ASSERT_TRUE(
      waitUntil([&] { return dialog.modelReport().contains(QStringLiteral("Incomplete")); }, 5000))
      << dialog.modelReport().toStdString();
  const QString report = dialog.modelReport();
  for (const char* component : {"transformer", "autoencoder", "clip", "t5"})
    EXPECT_TRUE(report.contains(QStringLiteral("%1: missing").arg(QLatin1String(component))))
        << component << "\n"
        << report.toStdString();
  EXPECT_TRUE(report.contains(QStringLiteral("looked in"))) << report.toStdString();
  EXPECT_TRUE(report.contains(emptyPath.toHtmlEscaped())) << report.toStdString();

  dialog.modelFolderEdit()->setText(emptyPath + QStringLiteral("/nope"));
  dialog.checkModelFolder();
  EXPECT_TRUE(dialog.modelReport().contains(QStringLiteral("not a folder")));

  // OK stores the form.
  dialog.modelFolderEdit()->setText(demoModelFolder());
  dialog.findChild<QSpinBox*>(QStringLiteral("portSpin"))->setValue(8123);
  QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("generateTokenButton")),
                    Qt::LeftButton);
  dialog.apply();
  EXPECT_EQ(settings.modelFolder(), demoModelFolder());
  EXPECT_EQ(settings.serverPort(), 8123);
  EXPECT_TRUE(settings.serverToken().startsWith(QStringLiteral("fd-")));
  EXPECT_EQ(settings.serverToken().size(), 43);
  settings.setModelFolder(QString());
  settings.setServerToken(QString());
}

}  // namespace
}  // namespace fd::test
