// The gallery model under Qt's own model checker, with real images.
#include "gallery_model.h"

#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMimeData>
#include <QUrl>
#include <iostream>

#include "gui_fixture.h"
#include "pipeline/image_metadata.h"
#include "service/image_library.h"
#include "thumbnail_loader.h"

namespace fd::test {
namespace {

GeneratedImage solidImage(int w, int h, uint8_t value, uint64_t seed) {
  GeneratedImage image;
  image.width = w;
  image.height = h;
  image.seed = seed;
  image.rgb.assign(static_cast<size_t>(w) * h * 3, value);
  return image;
}

ImageSettings settingsFor(const std::string& prompt, uint64_t seed) {
  ImageSettings s;
  s.prompt = prompt;
  s.seed = seed;
  s.width = 64;
  s.height = 48;
  s.steps = 4;
  s.model = "FluxDesk demo";
  return s;
}

TEST(GalleryModel, PassesModelTesterThroughAddsAndRemoves) {
  TempDir dir("gallery-model");
  ImageLibrary library(QString::fromStdString(dir.path().string()));
  ui::ThumbnailLoader thumbnails(32);
  ui::GalleryModel model(&library, &thumbnails);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);

  for (int i = 0; i < 3; ++i) {
    auto added =
        library.add(solidImage(64, 48, uint8_t(40 * i), 100 + i),
                    settingsFor("prompt " + std::to_string(i), 100 + i), QStringLiteral("gui"));
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 3; }, 5000));
  // Newest first.
  EXPECT_EQ(model.data(model.index(0), ui::GalleryModel::PromptRole).toString(),
            QStringLiteral("prompt 2"));
  // Thumbnails arrive off the GUI thread; a same-size placeholder until then.
  const QString newest = model.data(model.index(0), ui::GalleryModel::IdRole).toString();
  QPixmap first = model.data(model.index(0), Qt::DecorationRole).value<QPixmap>();
  EXPECT_FALSE(thumbnails.isCached(newest));
  EXPECT_EQ(first.size(), QSize(32, 32));
  ASSERT_TRUE(waitUntil([&] { return thumbnails.isCached(newest); }, 5000));
  QImage thumbnail = model.data(model.index(0), Qt::DecorationRole).value<QPixmap>().toImage();
  EXPECT_EQ(thumbnail.size(), QSize(32, 24));                    // 64x48 scaled to fit
  EXPECT_EQ(QColor(thumbnail.pixel(5, 5)), QColor(80, 80, 80));  // the image's own grey
  // Drag out as file URLs.
  std::unique_ptr<QMimeData> mime(model.mimeData({model.index(1)}));
  ASSERT_TRUE(mime);
  ASSERT_EQ(mime->urls().size(), 1);
  EXPECT_TRUE(QFileInfo::exists(mime->urls().front().toLocalFile()));

  QString id = model.data(model.index(1), ui::GalleryModel::IdRole).toString();
  ASSERT_TRUE(library.remove(id).ok());
  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 2; }, 5000));
  EXPECT_EQ(model.rowForId(id), -1);
  thumbnails.waitForDone(5000);
}

// Images another process writes into the library folder appear without a
// restart, in the library's order: one made earlier than those listed goes
// below them, not on top.
TEST(GalleryModel, ImagesWrittenByAnotherProcessAppearInCreationOrder) {
  TempDir dir("gallery-other-writer");
  const QString folder = QString::fromStdString(dir.path().string());
  ImageLibrary library(folder);
  ui::ThumbnailLoader thumbnails(32);
  ui::GalleryModel model(&library, &thumbnails);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  auto own = library.add(solidImage(16, 16, 10, 1), settingsFor("mine", 1), QStringLiteral("gui"));
  ASSERT_TRUE(own.ok()) << own.error().message;
  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 1; }, 5000));

  ImageLibrary other(folder);  // stands for fluxdesk-cli serve
  auto newer =
      other.add(solidImage(16, 16, 20, 2), settingsFor("from the api", 2), QStringLiteral("api"));
  ASSERT_TRUE(newer.ok()) << newer.error().message;
  // An older one, as a copy of a PNG with its sidecar dated last year.
  const QString oldId = QStringLiteral("old-image");
  ASSERT_TRUE(QFile::copy(own->filePath, QDir(folder).filePath(oldId + QStringLiteral(".png"))));
  ImageSettings s = settingsFor("from last year", 3);
  s.createdAt = "2025-01-01T00:00:00.000Z";
  writeTextFile(dir / "old-image.json",
                recordSidecarJson(s, oldId, oldId + QStringLiteral(".png"), "cli"));

  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 3; }, 5000));
  EXPECT_EQ(model.data(model.index(0), ui::GalleryModel::IdRole).toString(), newer->id);
  EXPECT_EQ(model.data(model.index(1), ui::GalleryModel::IdRole).toString(), own->id);
  EXPECT_EQ(model.data(model.index(2), ui::GalleryModel::IdRole).toString(), oldId);

  ASSERT_TRUE(other.remove(newer->id).ok());
  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 2; }, 5000));
  EXPECT_EQ(model.rowForId(newer->id), -1);
  thumbnails.waitForDone(5000);
}

TEST(GalleryModel, ThousandsOfImagesListFullyAndLoadOnlyTheThumbnailsAsked) {
  // 2000 images: one saved by the library, the rest copies of its PNG with
  // their own sidecars (fast: no per-file sync), then a fresh library
  // scans the folder as at start-up.
  TempDir dir("gallery-many");
  const QString folder = QString::fromStdString(dir.path().string());
  constexpr int kImages = 2000;
  {
    ImageLibrary writer(folder);
    auto first = writer.add(solidImage(16, 16, 90, 0), settingsFor("p0", 0), QStringLiteral("gui"));
    ASSERT_TRUE(first.ok()) << first.error().message;
    for (int i = 1; i < kImages; ++i) {
      const QString id = QStringLiteral("copy-%1").arg(i, 5, 10, QLatin1Char('0'));
      ASSERT_TRUE(
          QFile::copy(first.value().filePath, QDir(folder).filePath(id + QStringLiteral(".png"))));
      ImageSettings s = settingsFor("p" + std::to_string(i), uint64_t(i));
      s.createdAt = "2026-01-01T00:00:00Z";
      writeTextFile(dir / (id.toStdString() + ".json"),
                    recordSidecarJson(s, id, id + QStringLiteral(".png"), "api"));
    }
  }
  QElapsedTimer clock;
  clock.start();
  ImageLibrary library(folder);
  ui::ThumbnailLoader thumbnails(32);
  ui::GalleryModel model(&library, &thumbnails);
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  ASSERT_EQ(model.rowCount(), kImages);
  std::cout << "[ info ] " << kImages << " images listed in " << clock.elapsed() << " ms\n";
  const QString id700 = model.data(model.index(700), ui::GalleryModel::IdRole).toString();
  model.data(model.index(700), Qt::DecorationRole);
  ASSERT_TRUE(waitUntil([&] { return thumbnails.isCached(id700); }, 5000));
  EXPECT_EQ(thumbnails.cachedCount(), 1) << "only the row asked for was loaded";
  // Search over thousands goes through the library too.
  EXPECT_EQ(library.search(QStringLiteral("p19")).size(), 111u);  // p19, p190-p199, p1900-p1999
}

}  // namespace
}  // namespace fd::test
