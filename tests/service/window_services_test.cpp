// What the service layer gives the window of the engine: which model runs
// (a folder, a preset, or the demo model written on first use), image files
// (inputs, kept inputs and masks, the texts export carries over) and memory
// figures.
#include <gtest/gtest.h>

#include <filesystem>

#include "demo/demo_model.h"
#include "pipeline/image_io.h"
#include "service/image_files.h"
#include "service/image_record.h"
#include "service/machine_memory.h"
#include "service/model_choice.h"
#include "service/model_downloads.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> gradient(int width, int height) {
  std::vector<uint8_t> rgb(size_t(width) * height * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 7);
  return rgb;
}

void writeBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  writeTextFile(path, std::string(bytes.begin(), bytes.end()));
}

// A mask PNG, white = repaint, of the given size.
void writeMask(const fs::path& path, int width, int height) {
  std::vector<uint8_t> rgb(size_t(width) * height * 3, 0);
  for (int x = 0; x < width; ++x)
    rgb[size_t(x) * 3] = rgb[size_t(x) * 3 + 1] = rgb[size_t(x) * 3 + 2] = 255;
  auto png = encodePng(rgb.data(), width, height);
  ASSERT_TRUE(png.ok());
  writeBytes(path, png.value());
}

TEST(ModelChoice, AFolderIsUsedAsItIs) {
  ModelChoice choice{QStringLiteral("/models/flux"), QStringLiteral("ignored"),
                     QStringLiteral("/demo")};
  Result<ModelLocation> location = resolveModelChoice(choice, nullptr);
  ASSERT_TRUE(location.ok()) << location.error().message;
  EXPECT_EQ(location->folder, "/models/flux");
  EXPECT_FALSE(choice.usesDemo());
}

TEST(ModelChoice, UnknownOrMissingPresetsAreModelMissingNamingThem) {
  TempDir dir("model-choice-preset");
  qputenv("HF_HUB_CACHE", QByteArray::fromStdString((dir.path() / "hub").string()));
  ModelDownloads downloads;  // FluxDesk's presets, an empty cache
  ModelChoice unknown{{}, QStringLiteral("no-such-preset"), QStringLiteral("/demo")};
  Result<ModelLocation> location = resolveModelChoice(unknown, &downloads);
  ASSERT_FALSE(location.ok());
  EXPECT_EQ(location.error().kind, ErrorKind::ModelMissing);
  EXPECT_NE(location.error().message.find("no-such-preset"), std::string::npos);

  ASSERT_FALSE(downloads.presets().empty());
  const QString id = QString::fromStdString(downloads.presets().front().id);
  location = resolveModelChoice(ModelChoice{{}, id, QStringLiteral("/demo")}, &downloads);
  ASSERT_FALSE(location.ok());
  EXPECT_EQ(location.error().kind, ErrorKind::ModelMissing) << location.error().message;
  qunsetenv("HF_HUB_CACHE");
}

TEST(ModelChoice, TheDemoIsWrittenOnFirstUseAndWhenAnOlderFluxDeskWroteIt) {
  TempDir dir("model-choice-demo");
  const fs::path demo = dir.path() / "demo";
  ModelChoice choice{{}, {}, QString::fromStdString(demo.string())};
  ASSERT_TRUE(choice.usesDemo());
  Result<ModelLocation> location = resolveModelChoice(choice, nullptr);
  ASSERT_TRUE(location.ok()) << location.error().message;
  EXPECT_EQ(location->folder, demo.string());
  EXPECT_TRUE(isCurrentDemoModel(demo.string()));

  // A demo folder of the first layout (a marker instead of the model card)
  // loads as an unnamed FLUX.1 folder: it is written again.
  writeTextFile(demo / "model_index.json", R"({"_fluxdesk_demo": true})");
  ASSERT_TRUE(resolveModelChoice(choice, nullptr).ok());
  EXPECT_TRUE(isCurrentDemoModel(demo.string()));

  // A demo folder that cannot be written is an error naming the place.
  writeTextFile(dir.path() / "file", "x");
  ModelChoice blocked{{}, {}, QString::fromStdString((dir.path() / "file" / "demo").string())};
  location = resolveModelChoice(blocked, nullptr);
  ASSERT_FALSE(location.ok());
  EXPECT_NE(location.error().message.find("file"), std::string::npos) << location.error().message;
}

TEST(ModelChoice, ScanningAFolderSaysWhatIsMissing) {
  TempDir dir("model-choice-scan");
  const ModelFiles empty = scanModelFolder(QString::fromStdString(dir.path().string()));
  EXPECT_FALSE(empty.complete());
  ASSERT_TRUE(writeDemoModel((dir.path() / "demo").string()).ok());
  const ModelFiles demo = scanModelFolder(QString::fromStdString((dir.path() / "demo").string()));
  EXPECT_TRUE(demo.complete());
}

TEST(ImageFiles, InputPicturesAreReadWithTheirNames) {
  TempDir dir("image-files-input");
  const auto rgb = gradient(20, 10);
  auto png = encodePng(rgb.data(), 20, 10);
  ASSERT_TRUE(png.ok());
  writeBytes(dir.path() / "cat.png", png.value());
  Result<SourceImage> picture =
      readInputPicture(QString::fromStdString((dir.path() / "cat.png").string()));
  ASSERT_TRUE(picture.ok()) << picture.error().message;
  EXPECT_EQ(picture->width, 20);
  EXPECT_EQ(picture->height, 10);
  EXPECT_EQ(picture->name, "cat.png");
  EXPECT_TRUE(picture->rgb == rgb);
  EXPECT_TRUE(picture->mask.empty());

  writeTextFile(dir.path() / "broken.png", "not a picture");
  EXPECT_FALSE(readInputPicture(QString::fromStdString((dir.path() / "broken.png").string())).ok());
  EXPECT_FALSE(readInputPicture(QString::fromStdString((dir.path() / "none.png").string())).ok());
}

TEST(ImageFiles, KeptInputComesBackWithItsMaskAndAMaskOfAnotherSizeIsRefused) {
  TempDir dir("image-files-kept");
  const auto rgb = gradient(16, 8);
  auto png = encodePng(rgb.data(), 16, 8);
  ASSERT_TRUE(png.ok());
  writeBytes(dir.path() / "a.input.png", png.value());
  writeMask(dir.path() / "a.mask.png", 16, 8);
  ImageRecord record;
  record.inputName = QStringLiteral("holiday.jpg");
  record.inputPath = QString::fromStdString((dir.path() / "a.input.png").string());
  record.maskPath = QString::fromStdString((dir.path() / "a.mask.png").string());
  Result<SourceImage> kept = readKeptInput(record);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(kept->name, "holiday.jpg");
  EXPECT_TRUE(kept->rgb == rgb);
  ASSERT_EQ(kept->mask.size(), 16u * 8u);
  EXPECT_EQ(kept->mask[0], 1);   // the white first row is repainted
  EXPECT_EQ(kept->mask[16], 0);  // the rest is kept

  writeMask(dir.path() / "a.mask.png", 8, 8);
  kept = readKeptInput(record);
  ASSERT_FALSE(kept.ok());
  EXPECT_NE(kept.error().message.find("size"), std::string::npos) << kept.error().message;
}

TEST(ImageFiles, TextsAndJpegCommentsRoundTrip) {
  TempDir dir("image-files-texts");
  const auto rgb = gradient(8, 8);
  auto png = encodePng(rgb.data(), 8, 8,
                       {{"parameters", "a cat\nSteps: 4"}, {"fluxdesk", "{\"seed\": 1}"}});
  ASSERT_TRUE(png.ok());
  writeBytes(dir.path() / "x.png", png.value());
  const QMap<QString, QString> texts =
      readImageTexts(QString::fromStdString((dir.path() / "x.png").string()));
  EXPECT_EQ(texts.value(QStringLiteral("parameters")), QStringLiteral("a cat\nSteps: 4"));
  EXPECT_EQ(texts.value(QStringLiteral("fluxdesk")), QStringLiteral("{\"seed\": 1}"));
  EXPECT_TRUE(readImageTexts(QString::fromStdString((dir.path() / "none.png").string())).isEmpty());

  auto jpeg = encodeJpeg(rgb.data(), 8, 8, 90);
  ASSERT_TRUE(jpeg.ok());
  const QByteArray plain(reinterpret_cast<const char*>(jpeg->data()), qsizetype(jpeg->size()));
  Result<QByteArray> commented =
      withJpegComments(plain, {QStringLiteral("first"), QString(), QStringLiteral("second")});
  ASSERT_TRUE(commented.ok()) << commented.error().message;
  const std::vector<uint8_t> bytes(commented->begin(), commented->end());
  Result<std::string> firstComment = parseJpegComment(bytes);
  ASSERT_TRUE(firstComment.ok());
  EXPECT_EQ(firstComment.value(), "first");
  EXPECT_NE(commented->indexOf("second"), -1);
  EXPECT_LT(commented->indexOf("first"), commented->indexOf("second"));
  EXPECT_TRUE(decodeImage(bytes).ok());
  EXPECT_FALSE(withJpegComments(QByteArray("not a jpeg"), {QStringLiteral("x")}).ok());
}

TEST(MachineMemory, RamIsKnownOnLinuxAndNoGpuFiguresOnTheCpu) {
  EXPECT_GT(availableRamBytes(), 0u);
  // Nothing in this process has touched a GPU.
  EXPECT_FALSE(gpuMemoryInUse().known);
}

}  // namespace
}  // namespace fd::test
