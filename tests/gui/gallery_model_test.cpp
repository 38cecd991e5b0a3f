// The gallery model under Qt's own model checker, with real images.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

#include "gallery_model.h"
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
  image.rgb.assign(static_cast<size_t>(w * h * 3), value);
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
    auto added = library.add(solidImage(64, 48, uint8_t(40 * i), 100 + i), settingsFor("prompt " + std::to_string(i), 100 + i),
                             QStringLiteral("gui"));
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
  ASSERT_TRUE(waitUntil([&] { return model.rowCount() == 3; }, 5000));
  // Newest first.
  EXPECT_EQ(model.data(model.index(0), ui::GalleryModel::PromptRole).toString(), QStringLiteral("prompt 2"));
  // Thumbnails arrive off the GUI thread.
  EXPECT_TRUE(model.data(model.index(0), Qt::DecorationRole).value<QPixmap>().isNull());
  ASSERT_TRUE(waitUntil([&] { return !model.data(model.index(0), Qt::DecorationRole).value<QPixmap>().isNull(); }, 5000));
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

TEST(GalleryModel, ThousandsOfImagesLoadQuickly) {
  // Not a timing assertion: checks that a large library lists fully and
  // that asking for one row's thumbnail loads only that one.
  TempDir dir("gallery-many");
  {
    ImageLibrary writer(QString::fromStdString(dir.path().string()));
    for (int i = 0; i < 1000; ++i)
      ASSERT_TRUE(writer.add(solidImage(16, 16, uint8_t(i), uint64_t(i)), settingsFor("p" + std::to_string(i), uint64_t(i)),
                             QStringLiteral("api"))
                      .ok());
  }
  ImageLibrary library(QString::fromStdString(dir.path().string()));
  ui::ThumbnailLoader thumbnails(32);
  ui::GalleryModel model(&library, &thumbnails);
  EXPECT_EQ(model.rowCount(), 1000);
  model.data(model.index(700), Qt::DecorationRole);
  thumbnails.waitForDone(5000);
  QCoreApplication::processEvents();
  EXPECT_FALSE(model.data(model.index(700), Qt::DecorationRole).value<QPixmap>().isNull());
}

}  // namespace
}  // namespace fd::test
