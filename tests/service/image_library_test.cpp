// ImageLibrary: files on disk, persistence across instances, and what a
// crash or a damaged folder leaves behind.
#include "service/image_library.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "pipeline/image_io.h"
#include "service/fake_image_engine.h"
#include "service/qt_test_app.h"
#include "support/test_paths.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;

GeneratedImage makeImage(int width, int height, uint64_t seed) {
  GeneratedImage image;
  image.width = width;
  image.height = height;
  image.seed = seed;
  image.rgb.resize(size_t(width) * size_t(height) * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        image.rgb[(size_t(y) * size_t(width) + size_t(x)) * 3 + size_t(c)] =
            FakeImageEngine::pixel(seed, x, y, c);
  return image;
}

ImageSettings settingsFor(const std::string& prompt) {
  ImageSettings s;
  s.prompt = prompt;
  s.steps = 4;
  s.model = "Fake FLUX";
  s.modelId = "fluxdesk-fake";
  s.seconds = 1.5;
  return s;
}

QString qpath(const fs::path& p) { return QString::fromStdString(p.string()); }

size_t filesWithExtension(const fs::path& folder, const std::string& ext) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(folder)) n += entry.path().extension() == ext;
  return n;
}

TEST(ImageLibrary, AddWritesAPngWithSettingsAndASidecar) {
  TempDir dir("library_add");
  ImageLibrary library(qpath(dir.path()));
  ASSERT_TRUE(library.openStatus().ok());
  std::vector<ImageRecord> added;
  QObject::connect(&library, &ImageLibrary::imageAdded,
                   [&](const ImageRecord& r) { added.push_back(r); });

  auto record = library.add(makeImage(64, 48, 42), settingsFor("a red fox in snow"), "gui");
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->prompt, "a red fox in snow");
  EXPECT_EQ(record->seed, 42u);
  EXPECT_EQ(record->width, 64);
  EXPECT_EQ(record->height, 48);
  EXPECT_EQ(record->steps, 4);
  EXPECT_EQ(record->model, "Fake FLUX");
  EXPECT_EQ(record->source, "gui");
  EXPECT_DOUBLE_EQ(record->seconds, 1.5);
  EXPECT_TRUE(record->created.isValid());
  EXPECT_LE(std::abs(record->created.secsTo(QDateTime::currentDateTimeUtc())), 60);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].id, record->id);

  // The PNG holds the pixels and the settings; the sidecar sits beside it.
  auto decoded = readImageFile(record->filePath.toStdString());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->width, 64);
  ASSERT_EQ(decoded->height, 48);
  EXPECT_EQ(decoded->rgb, makeImage(64, 48, 42).rgb);
  auto chunks = readPngTextChunks(record->filePath.toStdString());
  ASSERT_TRUE(chunks.ok());
  ASSERT_TRUE(chunks->count("parameters"));
  EXPECT_NE(chunks->at("parameters").find("Seed: 42"), std::string::npos);
  ASSERT_TRUE(chunks->count("fluxdesk"));
  const QString sidecar = QDir(qpath(dir.path())).absoluteFilePath(record->id + ".json");
  EXPECT_TRUE(QFileInfo::exists(sidecar));
  auto parsed = recordFromSidecarJson(readTextFile(sidecar.toStdString()), qpath(dir.path()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->filePath, record->filePath);
  EXPECT_EQ(parsed->source, "gui");
}

TEST(ImageLibrary, RejectsPixelsThatDoNotMatchTheSize) {
  TempDir dir("library_bad_image");
  ImageLibrary library(qpath(dir.path()));
  GeneratedImage image = makeImage(32, 32, 1);
  image.rgb.pop_back();
  auto record = library.add(image, settingsFor("x"), "gui");
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().kind, ErrorKind::BadRequest);
  EXPECT_EQ(library.count(), 0);
}

TEST(ImageLibrary, ComesBackInANewInstanceInCreationOrder) {
  TempDir dir("library_persist");
  std::vector<ImageRecord> originals;
  {
    ImageLibrary library(qpath(dir.path()));
    for (int i = 0; i < 5; ++i) {
      // Same prompt and seed twice: names must still be unique.
      auto r = library.add(makeImage(32, 32, uint64_t(i % 2)), settingsFor("same prompt"),
                           i % 2 ? "api" : "gui");
      ASSERT_TRUE(r.ok());
      originals.push_back(r.value());
    }
  }
  ImageLibrary reopened(qpath(dir.path()));
  auto records = reopened.records();
  ASSERT_EQ(records.size(), 5u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].id, originals[i].id);
    EXPECT_EQ(records[i].filePath, originals[i].filePath);
    EXPECT_EQ(records[i].seed, originals[i].seed);
    EXPECT_EQ(records[i].source, originals[i].source);
    EXPECT_EQ(records[i].created, originals[i].created);
  }
  EXPECT_EQ(filesWithExtension(dir.path(), ".png"), 5u);
  EXPECT_EQ(filesWithExtension(dir.path(), ".json"), 5u);
}

TEST(ImageLibrary, SearchesPromptsCaseInsensitively) {
  TempDir dir("library_search");
  ImageLibrary library(qpath(dir.path()));
  ASSERT_TRUE(library.add(makeImage(16, 16, 1), settingsFor("A Red Fox"), "gui").ok());
  ASSERT_TRUE(library.add(makeImage(16, 16, 2), settingsFor("a blue whale"), "gui").ok());
  ASSERT_TRUE(library.add(makeImage(16, 16, 3), settingsFor("red sky at night"), "gui").ok());
  auto red = library.search("RED");
  ASSERT_EQ(red.size(), 2u);
  EXPECT_EQ(red[0].prompt, "A Red Fox");
  EXPECT_EQ(red[1].prompt, "red sky at night");
  EXPECT_EQ(library.search("whale").size(), 1u);
  EXPECT_TRUE(library.search("zebra").empty());
}

TEST(ImageLibrary, RemoveDeletesBothFiles) {
  TempDir dir("library_remove");
  ImageLibrary library(qpath(dir.path()));
  auto keep = library.add(makeImage(16, 16, 1), settingsFor("keep"), "gui");
  auto drop = library.add(makeImage(16, 16, 2), settingsFor("drop"), "gui");
  ASSERT_TRUE(keep.ok() && drop.ok());
  QString removedId;
  QObject::connect(&library, &ImageLibrary::imageRemoved,
                   [&](const QString& id) { removedId = id; });
  ASSERT_TRUE(library.remove(drop->id).ok());
  EXPECT_EQ(removedId, drop->id);
  EXPECT_FALSE(QFileInfo::exists(drop->filePath));
  EXPECT_FALSE(QFileInfo::exists(QDir(qpath(dir.path())).absoluteFilePath(drop->id + ".json")));
  EXPECT_TRUE(QFileInfo::exists(keep->filePath));
  EXPECT_FALSE(library.remove(drop->id).ok());  // unknown now
  ImageLibrary reopened(qpath(dir.path()));
  ASSERT_EQ(reopened.count(), 1);
  EXPECT_EQ(reopened.records()[0].id, keep->id);
}

// An image made from an input keeps the input and mask beside it (read
// back by path after a restart, and after a lost sidecar), and LoRA paths.
TEST(ImageLibrary, KeepsTheInputMaskAndLoraPathsWithTheImage) {
  TempDir dir("library_inputs");
  auto source = std::make_shared<SourceImage>();
  source->width = 12;
  source->height = 8;
  source->rgb.resize(12 * 8 * 3);
  for (size_t i = 0; i < source->rgb.size(); ++i) source->rgb[i] = uint8_t(i * 5);
  source->mask.assign(12 * 8, 0);
  source->mask[3] = source->mask[50] = 1;
  source->name = "house.png";
  ImageSettings settings = settingsFor("a red door");
  settings.strength = 0.7;
  settings.sourceImage = "house.png";
  settings.inpaint = true;
  settings.loras = {{"style", 0.8}};
  ImageInputs inputs{source, {{"/loras/style.safetensors", 0.8}}};
  QString id;
  {
    ImageLibrary library(qpath(dir.path()));
    auto record = library.add(makeImage(16, 16, 7), settings, "gui", inputs);
    ASSERT_TRUE(record.ok()) << record.error().message;
    id = record->id;
    EXPECT_EQ(record->inputPath, QDir(qpath(dir.path())).absoluteFilePath(id + ".input.png"));
    EXPECT_EQ(record->maskPath, QDir(qpath(dir.path())).absoluteFilePath(id + ".mask.png"));
  }
  auto check = [&](const ImageRecord& r, bool withLoraPath) {
    ASSERT_TRUE(r.strength.has_value());
    EXPECT_DOUBLE_EQ(*r.strength, 0.7);
    EXPECT_EQ(r.inputName, "house.png");
    EXPECT_TRUE(r.inpaint);
    auto input = readImageFile(r.inputPath.toStdString());
    ASSERT_TRUE(input.ok());
    EXPECT_EQ(input->rgb, source->rgb);
    auto mask = readImageFile(r.maskPath.toStdString());
    ASSERT_TRUE(mask.ok());
    EXPECT_EQ(mask->rgb[3 * 3], 255);  // white: repaint
    EXPECT_EQ(mask->rgb[3 * 4], 0);
    ASSERT_EQ(r.loras.size(), 1u);
    EXPECT_EQ(r.loras[0].name, "style");
    EXPECT_EQ(r.loras[0].path, withLoraPath ? QString("/loras/style.safetensors") : QString());
    EXPECT_DOUBLE_EQ(r.loras[0].scale, 0.8);
  };
  {
    ImageLibrary reopened(qpath(dir.path()));
    ASSERT_EQ(reopened.count(), 1);  // the companions are not images
    check(reopened.records()[0], true);
  }
  // Without the sidecar the PNG is recovered, and its kept files found again.
  ASSERT_TRUE(QFile::remove(QDir(qpath(dir.path())).absoluteFilePath(id + ".json")));
  ImageLibrary recovered(qpath(dir.path()));
  ASSERT_EQ(recovered.count(), 1);
  check(recovered.records()[0], false);
  ASSERT_TRUE(recovered.remove(id).ok());
  EXPECT_TRUE(QDir(qpath(dir.path())).entryList(QDir::Files).isEmpty())
      << QDir(qpath(dir.path())).entryList(QDir::Files).join(' ').toStdString();
}

TEST(ImageLibrary, SkipsDamageAndRecoversImagesFromTheirOwnSettings) {
  TempDir dir("library_damage");
  const QString folder = qpath(dir.path());
  std::vector<ImageRecord> records;
  {
    ImageLibrary library(folder);
    for (int i = 0; i < 4; ++i)
      records.push_back(library
                            .add(makeImage(16, 16, uint64_t(10) + i),
                                 settingsFor("image " + std::to_string(i)), "gui")
                            .value());
  }
  auto sidecarOf = [&](const ImageRecord& r) {
    return (dir.path() / (r.id.toStdString() + ".json"));
  };
  writeTextFile(sidecarOf(records[0]), "{ this is not json");  // corrupt sidecar: PNG still good
  fs::remove(sidecarOf(records[1]));              // sidecar lost (killed between the two writes)
  fs::remove(records[2].filePath.toStdString());  // image gone, sidecar left
  // Leftovers of interrupted atomic writes, and unrelated files.
  writeTextFile(dir / "20250101-000000-1-x.png.tmp-999-0", "\x89PNG half");
  writeTextFile(dir / "20250101-000000-1-x.json.tmp-999-1", "{\"format\":");
  writeTextFile(dir / "notes.txt", "hello");
  writeTextFile(dir / "broken.png", "\x89PNG\r\n\x1a\n truncated");
  // A sidecar that points outside the folder is refused.
  writeTextFile(
      dir / "evil.json",
      R"({"format":"fluxdesk-library/1","id":"evil","file":"../outside.png","source":"gui","settings":{}})");

  ImageLibrary reopened(folder);
  auto listed = reopened.records();
  ASSERT_EQ(listed.size(), 3u);
  std::map<QString, ImageRecord> byId;
  for (const auto& r : listed) byId[r.id] = r;
  ASSERT_TRUE(byId.count(records[0].id));
  ASSERT_TRUE(byId.count(records[1].id));
  ASSERT_TRUE(byId.count(records[3].id));
  EXPECT_EQ(byId[records[0].id].source, "recovered");
  EXPECT_EQ(byId[records[0].id].prompt, "image 0");
  EXPECT_EQ(byId[records[0].id].seed, 10u);
  EXPECT_EQ(byId[records[1].id].prompt, "image 1");
  EXPECT_EQ(byId[records[3].id].source, "gui");
  // The recovered sidecars were written again, valid this time.
  EXPECT_TRUE(recordFromSidecarJson(readTextFile(sidecarOf(records[0])), folder).ok());
  EXPECT_TRUE(fs::exists(sidecarOf(records[1])));
  // Nothing was deleted that a user might still want.
  EXPECT_TRUE(fs::exists(dir / "broken.png"));
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
}

// A writer process killed at a random moment (SIGKILL, no cleanup) leaves
// a folder where every listed image is complete and nothing is corrupt.
TEST(ImageLibrary, SurvivesAWriterKilledMidway) {
  TempDir dir("library_kill");
  const QString folder = qpath(dir.path());
  for (int round = 0; round < 3; ++round) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // The child: write images as fast as possible until killed.
      ImageLibrary writer(folder);
      for (uint64_t seed = 0;; ++seed) {
        (void)writer.add(makeImage(128, 128, seed),
                         settingsFor("crash test " + std::to_string(round)), "cli");
      }
      _exit(0);
    }
    // Let it write some images, then kill it in the middle of whatever it does.
    const size_t target = 3 * (size_t(round) + 1);
    for (int i = 0; i < 2000 && filesWithExtension(dir.path(), ".json") < target; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(7 * round + 3));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
  }
  ImageLibrary reopened(folder);
  auto records = reopened.records();
  ASSERT_GE(records.size(), 9u);
  for (const ImageRecord& r : records) {
    auto decoded = readImageFile(r.filePath.toStdString());
    ASSERT_TRUE(decoded.ok()) << r.filePath.toStdString() << ": " << decoded.error().message;
    EXPECT_EQ(decoded->rgb, makeImage(128, 128, r.seed).rgb) << r.filePath.toStdString();
  }
  // Every finished PNG is listed (recovered if its sidecar was not written).
  size_t pngs = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".png") ++pngs;
  }
  EXPECT_EQ(pngs, records.size());
}

// Two libraries on one folder stand for two processes (the GUI and
// `fluxdesk-cli serve`, or two windows): each has its own list and lock.
TEST(ImageLibrary, SeesImagesAnotherWriterAddsAndRemoves) {
  TempDir dir("library_two_writers");
  ImageLibrary gui(qpath(dir.path()));
  ImageLibrary server(qpath(dir.path()));
  ASSERT_TRUE(gui.watching());
  std::vector<QString> added, removed;
  QObject::connect(&gui, &ImageLibrary::imageAdded,
                   [&](const ImageRecord& r) { added.push_back(r.id); });
  QObject::connect(&gui, &ImageLibrary::imageRemoved,
                   [&](const QString& id) { removed.push_back(id); });

  auto made = server.add(makeImage(32, 32, 7), settingsFor("from the api"), "api");
  ASSERT_TRUE(made.ok()) << made.error().message;
  // No call here: the folder watch brings it in, once.
  ASSERT_TRUE(waitFor([&] { return gui.count() == 1; }, 5000));
  ASSERT_EQ(added, std::vector<QString>{made->id});
  const ImageRecord seen = gui.records()[0];
  EXPECT_EQ(seen.filePath, made->filePath);
  EXPECT_EQ(seen.source, "api");
  EXPECT_EQ(seen.created, made->created);

  ASSERT_TRUE(server.remove(made->id).ok());
  ASSERT_TRUE(waitFor([&] { return gui.count() == 0; }, 5000));
  EXPECT_EQ(removed, std::vector<QString>{made->id});
  EXPECT_EQ(added.size(), 1u);
}

TEST(ImageLibrary, ItsOwnImagesAreListedOnceDespiteTheWatch) {
  TempDir dir("library_own_adds");
  ImageLibrary library(qpath(dir.path()));
  int added = 0;
  QObject::connect(&library, &ImageLibrary::imageAdded, [&](const ImageRecord&) { ++added; });
  for (uint64_t seed = 0; seed < 3; ++seed) {
    ASSERT_TRUE(library.add(makeImage(16, 16, seed), settingsFor("mine"), "gui").ok());
  }
  waitFor([] { return false; }, 1000);  // let every watch notice run
  EXPECT_EQ(library.refresh(), 0);
  EXPECT_EQ(library.count(), 3);
  EXPECT_EQ(added, 3);
}

// Another process between its two files (the PNG published, the sidecar
// not yet): not recovered at once, which would race its sidecar.
TEST(ImageLibrary, APngWhoseSidecarIsComingIsLeftToItsWriter) {
  TempDir dir("library_half_written");
  ImageLibrary library(qpath(dir.path()));
  ImageSettings settings = settingsFor("written elsewhere");
  settings.seed = 5;
  settings.width = 16;
  settings.height = 16;
  settings.createdAt = "2025-01-01T00:00:00.000Z";
  const GeneratedImage image = makeImage(16, 16, 5);
  auto png = encodeImage(image.rgb.data(), 16, 16, ImageFormat::Png, settings);
  ASSERT_TRUE(png.ok());
  writeTextFile(dir / "elsewhere.png", std::string(png->begin(), png->end()));
  EXPECT_EQ(library.refresh(), 0);
  EXPECT_EQ(library.count(), 0);
  EXPECT_FALSE(fs::exists(dir / "elsewhere.json"));  // not written by us

  writeTextFile(dir / "elsewhere.json",
                recordSidecarJson(settings, "elsewhere", "elsewhere.png", "cli"));
  EXPECT_EQ(library.refresh(), 1);
  ASSERT_EQ(library.count(), 1);
  EXPECT_EQ(library.records()[0].source, "cli");  // the writer's sidecar, not a recovery
}

// Two writers adding at once, with the same prompt and seeds (so the same
// file names): every image is kept, under a name of its own, and both
// lists end up with all of them.
TEST(ImageLibrary, ConcurrentAddsFromTwoInstancesLoseNothing) {
  TempDir dir("library_concurrent");
  ImageLibrary first(qpath(dir.path()));
  ImageLibrary second(qpath(dir.path()));
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  auto writer = [&](ImageLibrary& library, const QString& source) {
    for (int i = 0; i < kEach; ++i) {
      if (!library.add(makeImage(24, 24, uint64_t(i)), settingsFor("the same prompt"), source).ok())
        ++failures;
    }
  };
  std::thread a(writer, std::ref(first), QStringLiteral("gui"));
  std::thread b(writer, std::ref(second), QStringLiteral("api"));
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(filesWithExtension(dir.path(), ".png"), size_t(2 * kEach));
  EXPECT_EQ(filesWithExtension(dir.path(), ".json"), size_t(2 * kEach));

  first.refresh();
  second.refresh();
  EXPECT_EQ(first.count(), 2 * kEach);
  EXPECT_EQ(second.count(), 2 * kEach);
  ImageLibrary reopened(qpath(dir.path()));
  const auto records = reopened.records();
  ASSERT_EQ(records.size(), size_t(2 * kEach));
  std::set<QString> ids;
  std::map<QString, int> bySource;
  for (const ImageRecord& r : records) {
    ids.insert(r.id);
    ++bySource[r.source];
    auto decoded = readImageFile(r.filePath.toStdString());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->rgb, makeImage(24, 24, r.seed).rgb) << r.filePath.toStdString();
  }
  EXPECT_EQ(ids.size(), size_t(2 * kEach));
  EXPECT_EQ(bySource["gui"], kEach);
  EXPECT_EQ(bySource["api"], kEach);
  EXPECT_EQ(first.records().size(), records.size());
}

TEST(ImageLibrary, AFolderThatCannotBeCreatedIsAnErrorNotACrash) {
  TempDir dir("library_blocked");
  writeTextFile(dir / "file", "x");
  ImageLibrary library(qpath(dir.path() / "file" / "library"));
  EXPECT_FALSE(library.openStatus().ok());
  EXPECT_EQ(library.count(), 0);
  auto record = library.add(makeImage(16, 16, 1), settingsFor("x"), "gui");
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.error().kind, ErrorKind::Io);
}

TEST(ImageLibrary, DefaultFolderIsUnderPictures) {
  EXPECT_TRUE(defaultLibraryFolder().endsWith("/FluxDesk"));
}

}  // namespace
}  // namespace fd::test
