// PNG / JPEG output with settings inside, reading them back, atomic writes.
#include "pipeline/image_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "pipeline/image_metadata.h"
#include "pipeline/image_scale.h"
#include "pipeline/webp_codec.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

// A small gradient, with a diagonal stripe unless `smooth` (JPEG's chroma
// subsampling would blur the stripe away): every pixel is known.
std::vector<uint8_t> testImage(int w, int h, bool smooth = false) {
  std::vector<uint8_t> rgb(size_t(w) * size_t(h) * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgb[(size_t(y) * size_t(w) + size_t(x)) * 3];
      p[0] = uint8_t(x * 255 / (w - 1));
      p[1] = uint8_t(y * 255 / (h - 1));
      p[2] = smooth ? uint8_t((x + y) * 255 / (w + h)) : ((x + y) % 7 == 0 ? 255 : 0);
    }
  return rgb;
}

ImageSettings sampleSettings() {
  ImageSettings s;
  s.prompt = "a red fox in the snow";
  s.width = 48;
  s.height = 32;
  s.seed = 42;
  s.steps = 4;
  s.model = "FLUX.1-schnell";
  s.modelId = "black-forest-labs/FLUX.1-schnell";
  s.dtype = "bfloat16";
  s.device = "cpu";
  s.version = "0.1.0";
  s.createdAt = "2024-05-01T12:00:00Z";
  s.seconds = 3.25;
  return s;
}

TEST(ImageMetadata, ParametersTextIsA1111Style) {
  EXPECT_EQ(parametersText(sampleSettings()),
            "a red fox in the snow\nSteps: 4, Sampler: Euler, Seed: 42, Size: 48x32, Model: "
            "FLUX.1-schnell");
  ImageSettings dev = sampleSettings();
  dev.guidance = 3.5;
  EXPECT_EQ(parametersText(dev).substr(parametersText(dev).find("Model:")),
            "Model: FLUX.1-schnell, Distilled CFG Scale: 3.5");
}

TEST(ImageMetadata, JsonRoundTripsEveryField) {
  ImageSettings s = sampleSettings();
  s.guidance = 2.75;
  s.seed = 18446744073709551615ull;  // the largest seed survives JSON
  auto back = settingsFromJson(settingsToJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->prompt, s.prompt);
  EXPECT_EQ(back->width, 48);
  EXPECT_EQ(back->height, 32);
  EXPECT_EQ(back->seed, s.seed);
  EXPECT_EQ(back->steps, 4);
  ASSERT_TRUE(back->guidance.has_value());
  EXPECT_DOUBLE_EQ(*back->guidance, 2.75);
  EXPECT_EQ(back->model, s.model);
  EXPECT_EQ(back->modelId, s.modelId);
  EXPECT_EQ(back->dtype, "bfloat16");
  EXPECT_EQ(back->device, "cpu");
  EXPECT_EQ(back->version, "0.1.0");
  EXPECT_EQ(back->createdAt, s.createdAt);
  EXPECT_DOUBLE_EQ(back->seconds, 3.25);
}

TEST(ImageMetadata, JsonErrorsNameTheField) {
  auto missing = settingsFromJson(R"({"prompt":"x","width":16,"height":16,"steps":4})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::BadRequest);
  EXPECT_NE(missing.error().message.find("'seed'"), std::string::npos) << missing.error().message;
  auto wrongType =
      settingsFromJson(R"({"prompt":"x","width":"16","height":16,"steps":4,"seed":1})");
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.error().message.find("'width'"), std::string::npos);
  EXPECT_FALSE(settingsFromJson("not json").ok());
}

TEST(ImageIo, PngPixelsAndTextChunksRoundTrip) {
  const auto rgb = testImage(48, 32);
  ImageSettings s = sampleSettings();
  s.prompt = "un café à Paris — 東京の夜";  // not Latin-1: goes into iTXt
  auto png = encodeImage(rgb.data(), 48, 32, ImageFormat::Png, s);
  ASSERT_TRUE(png.ok()) << png.error().message;

  auto decoded = decodeImage(*png);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->width, 48);
  EXPECT_EQ(decoded->height, 32);
  EXPECT_EQ(decoded->rgb, rgb);  // lossless

  auto chunks = parsePngTextChunks(*png);
  ASSERT_TRUE(chunks.ok()) << chunks.error().message;
  ASSERT_EQ(chunks->count("parameters"), 1u);
  ASSERT_EQ(chunks->count("fluxdesk"), 1u);
  EXPECT_EQ(chunks->at("parameters"), parametersText(s));
  auto back = settingsFromJson(chunks->at("fluxdesk"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->prompt, s.prompt);
  EXPECT_EQ(back->seed, 42u);
}

TEST(ImageIo, AsciiTextUsesTextChunksAndLatin1IsConverted) {
  const auto rgb = testImage(16, 16);
  auto png = encodePng(rgb.data(), 16, 16, {{"Comment", "plain ascii"}});
  ASSERT_TRUE(png.ok());
  std::string bytes(png->begin(), png->end());
  EXPECT_NE(bytes.find("tEXtComment"), std::string::npos);
  EXPECT_EQ(bytes.find("iTXt"), std::string::npos);
  EXPECT_LT(bytes.find("tEXt"), bytes.find("IDAT"));  // before the image data

  // A hand-made tEXt chunk in Latin-1 (0xE9 = é) reads back as UTF-8.
  std::vector<uint8_t> latin(png->begin(), png->begin() + 33);
  const std::string body = std::string("Title") + '\0' + "caf\xE9";
  const uint32_t n = uint32_t(body.size());
  for (int shift : {24, 16, 8, 0}) latin.push_back(uint8_t(n >> shift));
  std::string typed = "tEXt" + body;
  latin.insert(latin.end(), typed.begin(), typed.end());
  // CRC of "tEXt" + body, computed with the standard polynomial.
  uint32_t c = 0xffffffffu;
  for (unsigned char b : typed) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  c ^= 0xffffffffu;
  for (int shift : {24, 16, 8, 0}) latin.push_back(uint8_t(c >> shift));
  latin.insert(latin.end(), png->begin() + 33, png->end());
  auto chunks = parsePngTextChunks(latin);
  ASSERT_TRUE(chunks.ok()) << chunks.error().message;
  EXPECT_EQ(chunks->at("Title"), "caf\xC3\xA9");
  EXPECT_EQ(chunks->at("Comment"), "plain ascii");
}

TEST(ImageIo, DamagedPngsAreErrorsNotCrashes) {
  const auto rgb = testImage(16, 16);
  auto png = encodePng(rgb.data(), 16, 16, {{"parameters", "x"}});
  ASSERT_TRUE(png.ok());
  // Every truncation and a flipped byte in each chunk: an error or (for a
  // flip inside pixel data that the CRC catches) an error, never a crash.
  for (size_t cut = 0; cut < png->size(); cut += 7) {
    std::vector<uint8_t> truncated(png->begin(), png->begin() + long(cut));
    EXPECT_FALSE(parsePngTextChunks(truncated).ok()) << "cut at " << cut;
  }
  std::vector<uint8_t> flipped = *png;
  flipped[40] ^= 0x20;  // inside the text chunk
  auto result = parsePngTextChunks(flipped);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("CRC"), std::string::npos) << result.error().message;
  std::vector<uint8_t> hugeLength = *png;
  hugeLength[33] = 0x7f;  // first inserted chunk claims ~2 GB
  EXPECT_FALSE(parsePngTextChunks(hugeLength).ok());
  EXPECT_FALSE(parsePngTextChunks({'n', 'o', 't'}).ok());
}

TEST(ImageIo, JpegCarriesTheSettingsComment) {
  const auto rgb = testImage(48, 32, /*smooth=*/true);
  auto jpeg = encodeImage(rgb.data(), 48, 32, ImageFormat::Jpeg, sampleSettings(), 90);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error().message;
  auto comment = parseJpegComment(*jpeg);
  ASSERT_TRUE(comment.ok()) << comment.error().message;
  auto settings = settingsFromJson(*comment);
  ASSERT_TRUE(settings.ok()) << *comment;
  EXPECT_EQ(settings->prompt, "a red fox in the snow");
  auto decoded = decodeImage(*jpeg);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->rgb.size(), rgb.size());
  double meanError = 0;
  for (size_t i = 0; i < rgb.size(); ++i) meanError += std::abs(int(decoded->rgb[i]) - int(rgb[i]));
  meanError /= double(rgb.size());
  EXPECT_LT(meanError, 3.0);  // lossy but the same picture
  EXPECT_FALSE(encodeJpeg(rgb.data(), 48, 32, 0).ok());
  EXPECT_FALSE(encodeJpeg(rgb.data(), 48, 32, 101).ok());
}

TEST(ImageIo, WebpRoundTripsAndItsQualityIsUsed) {
  ASSERT_TRUE(webpAvailable()) << "this build has no libwebp";
  const auto rgb = testImage(48, 32, /*smooth=*/true);
  auto good = encodeImage(rgb.data(), 48, 32, ImageFormat::Webp, sampleSettings(), 95);
  auto poor = encodeImagePlain(rgb.data(), 48, 32, ImageFormat::Webp, 5);
  ASSERT_TRUE(good.ok() && poor.ok()) << (good.ok() ? poor.error().message : good.error().message);
  EXPECT_TRUE(looksLikeWebp(*good));
  EXPECT_LT(poor->size(), good->size());
  auto decoded = decodeImage(*good);  // through the common decoder, as uploads will be
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->width, 48);
  EXPECT_EQ(decoded->height, 32);
  double meanError = 0;
  for (size_t i = 0; i < rgb.size(); ++i) meanError += std::abs(int(decoded->rgb[i]) - int(rgb[i]));
  EXPECT_LT(meanError / double(rgb.size()), 4.0);
  // A damaged file is an error naming WebP, never a crash.
  std::vector<uint8_t> cut(good->begin(), good->begin() + 20);
  auto broken = decodeImage(cut);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("WebP"), std::string::npos) << broken.error().message;
  EXPECT_EQ(imageFormatFromName("webp"), ImageFormat::Webp);
  EXPECT_STREQ(imageFormatName(ImageFormat::Jpeg), "jpeg");
  EXPECT_STREQ(imageFormatExtension(ImageFormat::Webp), "webp");
}

TEST(ImageScale, BilinearKeepsFlatAreasAndCornersAndInterpolatesBetween) {
  // 2x1: black | white, scaled to 8x2.
  const std::vector<uint8_t> rgb = {0, 0, 0, 255, 255, 255};
  const auto out = scaleRgbBilinear(rgb.data(), 2, 1, 8, 2);
  ASSERT_EQ(out.size(), 8u * 2u * 3u);
  EXPECT_EQ(out[0], 0);        // the left edge is the left pixel
  EXPECT_EQ(out[7 * 3], 255);  // the right edge the right one
  for (int x = 1; x < 8; ++x)
    EXPECT_GE(out[size_t(x) * 3], out[size_t(x - 1) * 3]);  // a ramp between
  EXPECT_EQ(out[3 * 3], 96);  // x=3: centre 3.5/4-0.5 = 0.375 of the way
  for (int x = 0; x < 8; ++x) EXPECT_EQ(out[size_t(8 + x) * 3], out[size_t(x) * 3]);  // rows alike
  const std::vector<uint8_t> flat(6 * 4 * 3, 77);
  for (uint8_t v : scaleRgbBilinear(flat.data(), 6, 4, 48, 32)) ASSERT_EQ(v, 77);
  EXPECT_TRUE(scaleRgbBilinear(nullptr, 2, 2, 4, 4).empty());
}

TEST(ImageIo, SavedFileReadsBackFromDisk) {
  TempDir dir("image-io");
  const auto rgb = testImage(48, 32);
  const std::string path = (dir / "a.png").string();
  ASSERT_TRUE(saveImage(path, rgb.data(), 48, 32, ImageFormat::Png, sampleSettings()).ok());
  auto chunks = readPngTextChunks(path);
  ASSERT_TRUE(chunks.ok()) << chunks.error().message;
  EXPECT_EQ(chunks->at("parameters"), parametersText(sampleSettings()));
  auto image = readImageFile(path);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->rgb, rgb);
  auto missing = readPngTextChunks((dir / "absent.png").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::Io);
  EXPECT_NE(missing.error().message.find("absent.png"), std::string::npos);
}

TEST(AtomicFile, LeavesOnlyTheFinishedFile) {
  TempDir dir("atomic");
  const fs::path target = dir / "out.bin";
  ASSERT_TRUE(writeFileAtomically(target.string(), std::string("first version")).ok());
  ASSERT_TRUE(writeFileAtomically(target.string(), std::string("second")).ok());
  EXPECT_EQ(readTextFile(target), "second");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"out.bin"});  // no temporary file left behind
}

TEST(AtomicFile, ReportsIoErrorsWithThePath) {
  TempDir dir("atomic-fail");
  const fs::path missingFolder = dir / "no" / "such" / "folder" / "x.png";
  auto status = writeFileAtomically(missingFolder.string(), std::string("x"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Io);
  EXPECT_NE(status.error().message.find(missingFolder.string()), std::string::npos)
      << status.error().message;

  const fs::path readOnly = dir / "read-only";
  fs::create_directories(readOnly);
  ::chmod(readOnly.c_str(), 0555);
  if (::access(readOnly.c_str(), W_OK) == 0) {
    // Running as root: permissions do not stop writes; /proc refuses them.
    auto proc = writeFileAtomically("/proc/fluxdesk-test.png", std::string("x"));
    ASSERT_FALSE(proc.ok());
    EXPECT_EQ(proc.error().kind, ErrorKind::Io);
  } else {
    auto denied = writeFileAtomically((readOnly / "x.png").string(), std::string("x"));
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.error().kind, ErrorKind::Io);
    EXPECT_NE(denied.error().message.find("read-only"), std::string::npos);
  }
  ::chmod(readOnly.c_str(), 0755);
  EXPECT_TRUE(fs::is_empty(readOnly));
}

TEST(ImageNaming, StemHasDateSeedAndPromptWords) {
  EXPECT_EQ(imageFileStem("20240501-120000", 42, "A Red Fox, in the SNOW!"),
            "20240501-120000-42-a-red-fox-in-the-snow");
  EXPECT_EQ(imageFileStem("20240501-120000", 7, "東京 ✨"), "20240501-120000-7-image");
  std::string longPrompt(300, 'a');
  longPrompt += " tail";
  EXPECT_LE(imageFileStem("d", 1, longPrompt + " " + longPrompt).size(), 64u);
  TempDir dir("naming");
  const std::string first = uniqueImagePath(dir.path().string(), "x", ImageFormat::Png);
  EXPECT_EQ(fs::path(first).filename(), "x.png");
  writeTextFile(first, "taken");
  EXPECT_EQ(fs::path(uniqueImagePath(dir.path().string(), "x", ImageFormat::Png)).filename(),
            "x-2.png");
  EXPECT_EQ(fs::path(uniqueImagePath(dir.path().string(), "x", ImageFormat::Jpeg)).filename(),
            "x.jpg");
}

}  // namespace
}  // namespace fd::test
