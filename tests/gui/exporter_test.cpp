// Export: file names from the pattern, metadata carried, never overwriting.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QImageWriter>

#include "image_exporter.h"
#include "pipeline/image_io.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

QString writeSource(const TempDir& dir, const QString& name) {
  QImage image(40, 24, QImage::Format_RGB888);
  image.fill(QColor(200, 40, 90));
  QString path = QString::fromStdString((dir / name.toStdString()).string());
  QImageWriter writer(path, "png");
  writer.setText(QStringLiteral("parameters"), QStringLiteral("a cat\nSteps: 4, Seed: 7"));
  EXPECT_TRUE(writer.write(image));
  return path;
}

ui::ExportItem itemFor(const QString& path) {
  ui::ExportItem item;
  item.sourcePath = path;
  item.prompt = QStringLiteral("A cat, on a mat! (photo)");
  item.seed = 7;
  item.created = QDateTime(QDate(2026, 11, 25), QTime(9, 30, 5));
  item.parametersText = QStringLiteral("a cat\nSteps: 4, Seed: 7");
  item.settingsJson = QStringLiteral("{\"seed\":7}");
  return item;
}

TEST(Exporter, PatternTokensExpandToSafeNames) {
  ui::ExportItem item = itemFor(QStringLiteral("/x.png"));
  EXPECT_EQ(ui::expandFileNamePattern(QStringLiteral("{date}-{seed}-{prompt}"), item, 1, 40, 24),
            QStringLiteral("20261125-7-a-cat-on-a-mat-photo"));
  EXPECT_EQ(
      ui::expandFileNamePattern(QStringLiteral("{time}_{width}x{height}_{index}"), item, 3, 40, 24),
      QStringLiteral("093005_40x24_3"));
  EXPECT_EQ(ui::expandFileNamePattern(QStringLiteral("a/b:c"), item, 1, 1, 1),
            QStringLiteral("a_b_c"));
}

TEST(Exporter, WritesPngAndJpegWithMetadataAndNeverOverwrites) {
  TempDir src("export-src");
  TempDir out("export-out");
  QString source = writeSource(src, QStringLiteral("one.png"));
  ui::ExportOptions png;
  png.folder = QString::fromStdString(out.path().string());
  png.pattern = QStringLiteral("{seed}");
  auto first = ui::exportImages({itemFor(source)}, png);
  ASSERT_TRUE(first.errors.isEmpty()) << first.errors.join("\n").toStdString();
  ASSERT_EQ(first.written.size(), 1);
  EXPECT_TRUE(first.written[0].endsWith(QStringLiteral("/7.png")));
  QImage exported(first.written[0]);
  EXPECT_EQ(exported.text(QStringLiteral("parameters")),
            QStringLiteral("a cat\nSteps: 4, Seed: 7"));
  EXPECT_EQ(exported.text(QStringLiteral("fluxdesk")), QStringLiteral("{\"seed\":7}"));
  EXPECT_EQ(exported.size(), QSize(40, 24));
  EXPECT_EQ(exported.pixelColor(3, 3), QColor(200, 40, 90));

  auto second = ui::exportImages({itemFor(source)}, png);
  ASSERT_EQ(second.written.size(), 1);
  EXPECT_TRUE(second.written[0].endsWith(QStringLiteral("/7 (2).png")));

  ui::ExportOptions jpeg = png;
  jpeg.format = QStringLiteral("jpeg");
  jpeg.quality = 80;
  auto third = ui::exportImages({itemFor(source)}, jpeg);
  ASSERT_EQ(third.written.size(), 1);
  QFile file(third.written[0]);
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  QByteArray bytes = file.readAll();
  EXPECT_TRUE(bytes.startsWith("\xFF\xD8"));
  EXPECT_TRUE(bytes.contains("a cat\nSteps: 4, Seed: 7"));  // carried in COM segments
  auto comment = parseJpegComment(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  ASSERT_TRUE(comment.ok());
  EXPECT_EQ(comment.value(),
            "{\"seed\":7}");  // the settings come first, as in FluxDesk's own JPEGs
  QImage decoded(third.written[0]);
  EXPECT_EQ(decoded.size(), QSize(40, 24));
  EXPECT_TRUE(third.written[0].endsWith(QStringLiteral("/7.jpg")));
}

TEST(Exporter, WebpWhenQtHasThePluginElseAClearError) {
  TempDir src("export-src");
  TempDir out("export-out");
  QString source = writeSource(src, QStringLiteral("one.png"));
  ui::ExportOptions webp;
  webp.folder = QString::fromStdString(out.path().string());
  webp.format = QStringLiteral("webp");
  webp.pattern = QStringLiteral("{seed}");
  auto report = ui::exportImages({itemFor(source)}, webp);
  if (ui::availableExportFormats().contains(QStringLiteral("webp"))) {
    ASSERT_EQ(report.written.size(), 1) << report.errors.join("\n").toStdString();
    EXPECT_EQ(QImageReader(report.written[0]).format(), QByteArray("webp"));
    EXPECT_EQ(QImage(report.written[0]).size(), QSize(40, 24));
  } else {
    ASSERT_EQ(report.errors.size(), 1);
    EXPECT_TRUE(report.errors[0].contains(QStringLiteral("webp")));
  }
}

TEST(Exporter, UnreadableSourceIsReportedAndOthersStillExport) {
  TempDir src("export-src");
  TempDir out("export-out");
  QString good = writeSource(src, QStringLiteral("good.png"));
  ui::ExportOptions options;
  options.folder = QString::fromStdString(out.path().string());
  options.pattern = QStringLiteral("{index}");
  auto report = ui::exportImages(
      {itemFor(QStringLiteral("/nonexistent/missing.png")), itemFor(good)}, options);
  EXPECT_EQ(report.written.size(), 1);
  ASSERT_EQ(report.errors.size(), 1);
  EXPECT_TRUE(report.errors[0].contains(QStringLiteral("missing.png")));
}

}  // namespace
}  // namespace fd::test
