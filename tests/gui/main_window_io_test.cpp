// The window's ways out: export to files, and the local API toggled from
// the toolbar, checked over HTTP with the same suite as `fluxdesk-cli serve`.
#include <gtest/gtest.h>

#include <QAction>
#include <QDir>
#include <QImage>
#include <QListView>
#include <QTest>
#include <QToolBar>
#include <atomic>
#include <thread>

#include "api/api_suite.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "gui_fixture.h"
#include "message_bar.h"
#include "pipeline/image_io.h"
#include "queue_panel.h"
#include "server_panel.h"
#include "service/api_server.h"
#include "service/image_library.h"
#include "service/job_queue.h"

namespace fd::test {
namespace {

QString folderOf(const TempDir& dir) { return QString::fromStdString(dir.path().string()); }

TEST(MainWindowExport, ExportsSelectedImagesWithMetadataWithoutOverwriting) {
  TempDir library("gui-library");
  TempDir exportDir("gui-export");
  GuiHarness h(folderOf(library));
  h.settings().setExportPattern(QStringLiteral("{seed}-{prompt}"));
  h.typePrompt(QStringLiteral("export me, please"));
  h.setSize(256, 256);
  h.setCount(2);
  h.clickGenerate();
  ASSERT_TRUE(waitUntil([&] { return h.galleryCount() == 2; }, 120000));
  h.window().gallery()->view()->selectAll();
  const QString folder = folderOf(exportDir);
  h.window().exportImages(false, folder, QStringLiteral("png"));
  QStringList files = QDir(folder).entryList(QDir::Files, QDir::Name);
  ASSERT_EQ(files.size(), 2) << h.window().messages()->text().toStdString();
  QStringList seeds;
  for (const auto& r : h.services().library()->records()) seeds << QString::number(r.seed);
  for (const QString& f : files) {
    EXPECT_TRUE(f.endsWith(QStringLiteral("-export-me-please.png"))) << f.toStdString();
    EXPECT_TRUE(seeds.contains(f.section(QLatin1Char('-'), 0, 0))) << f.toStdString();
    QImage image(QDir(folder).filePath(f));
    EXPECT_EQ(image.size(), QSize(256, 256));
    EXPECT_TRUE(image.text(QStringLiteral("parameters"))
                    .startsWith(QStringLiteral("export me, please\nSteps:")));
    EXPECT_TRUE(image.text(QStringLiteral("fluxdesk"))
                    .contains(QStringLiteral("\"prompt\":\"export me, please\"")));
  }
  EXPECT_TRUE(h.window().messages()->text().contains(QStringLiteral("Exported 2 images")));

  // JPEG: the settings JSON is the first comment, the parameters follow.
  h.window().exportImages(false, folder, QStringLiteral("jpeg"));
  QStringList jpegs = QDir(folder).entryList({QStringLiteral("*.jpg")}, QDir::Files);
  ASSERT_EQ(jpegs.size(), 2);
  auto bytes = readFileBytes(QDir(folder).filePath(jpegs.front()).toStdString());
  ASSERT_TRUE(bytes.ok());
  auto comment = parseJpegComment(bytes.value());
  ASSERT_TRUE(comment.ok());
  EXPECT_EQ(comment.value().rfind("{\"prompt\":\"export me, please\"", 0), 0u) << comment.value();
  const std::string all(bytes.value().begin(), bytes.value().end());
  EXPECT_NE(all.find("export me, please\nSteps:"), std::string::npos);

  // The same export again never replaces a file: two new names.
  QFile first(QDir(folder).filePath(files.front()));
  ASSERT_TRUE(first.open(QIODevice::ReadOnly));
  const QByteArray firstBytes = first.readAll();
  first.close();
  h.window().exportImages(false, folder, QStringLiteral("png"));
  EXPECT_EQ(QDir(folder).entryList(QDir::Files).size(), 6);
  EXPECT_EQ(QDir(folder).entryList({QStringLiteral("* (2).png")}, QDir::Files).size(), 2);
  ASSERT_TRUE(first.open(QIODevice::ReadOnly));
  EXPECT_EQ(first.readAll(), firstBytes);
}

// Clicks the toolbar button of an action, like a user.
void clickToolbarAction(ui::MainWindow& window, QAction* action) {
  auto* bar = window.findChild<QToolBar*>(QStringLiteral("mainToolbar"));
  ASSERT_NE(bar, nullptr);
  QWidget* button = bar->widgetForAction(action);
  ASSERT_NE(button, nullptr);
  QTest::mouseClick(button, Qt::LeftButton);
}

// The toggle's server finds LoRAs by name in the window's LoRA folder.
TEST(MainWindowServer, ApiLorasComeFromTheWindowsLoraFolder) {
  TempDir library("gui-library");
  TempDir loras("gui-loras");
  GuiHarness h(folderOf(library));
  h.settings().setServerPort(0);
  h.settings().setLoraFolder(QString::fromStdString(loras.path().string()));
  clickToolbarAction(h.window(), h.window().serverAction());
  ASSERT_TRUE(h.services().server()->isRunning());
  EXPECT_EQ(h.services().server()->config().loraFolder, loras.path().string());
  ApiTarget target = ApiTarget::fromBaseUrl(h.services().server()->baseUrl().toStdString());
  // Not there: a 400 naming loras (the folder is the window's, nothing else).
  ApiReply missing = postJson(target, "/v1/images/generations",
                              nlohmann::json{{"prompt", "x"}, {"loras", {{{"name", "absent"}}}}});
  EXPECT_EQ(missing.status, 400) << missing.describe();
  EXPECT_EQ(missing.json["error"].value("code", ""), "lora_not_found") << missing.describe();
  clickToolbarAction(h.window(), h.window().serverAction());
}

TEST(MainWindowServer, ToolbarToggleServesTheSharedApiSuiteIntoTheSameQueueAndGallery) {
  TempDir library("gui-library");
  GuiHarness h(folderOf(library));
  const std::string key = "fd-gui-test-key-0123456789";
  h.settings().setServerPort(0);  // any free port
  h.settings().setServerToken(QString::fromStdString(key));
  auto& w = h.window();
  clickToolbarAction(w, w.serverAction());
  ASSERT_TRUE(h.services().server()->isRunning()) << w.messages()->text().toStdString();
  EXPECT_TRUE(w.serverAction()->isChecked());
  EXPECT_TRUE(w.serverPanel()->urlText().contains(QString::fromStdString(key)));
  EXPECT_TRUE(w.serverPanel()->urlText().contains(h.services().server()->baseUrl()));
  EXPECT_TRUE(w.serverPanel()->curlText().contains(QStringLiteral("/v1/images/generations")));

  ApiTarget target = ApiTarget::fromBaseUrl(h.services().server()->baseUrl().toStdString(), key);
  // The suite blocks on HTTP, so it runs on its own thread while this one
  // keeps the window's event loop turning (queue rows, gallery, log).
  int mostQueued = 0;
  QObject::connect(h.services().queue(), &JobQueue::jobAdded, &w, [&](const JobInfo&) {
    mostQueued = std::max(mostQueued, w.queuePanel()->visibleJobs());
  });
  std::atomic<bool> finished{false};
  std::thread suite([&] {
    runApiSuite(target, ApiSuiteOptions{});
    expectApiKeyEnforced(target);
    finished = true;
  });
  const bool done = waitUntil([&] { return finished.load(); }, 600000);
  suite.join();
  ASSERT_TRUE(done);

  // API images land in the same library and gallery, marked with their source.
  ASSERT_TRUE(
      waitUntil([&] { return h.galleryCount() == h.services().library()->count(); }, 10000));
  EXPECT_GE(h.galleryCount(), kSuiteImages);
  for (const auto& r : h.services().library()->records())
    EXPECT_EQ(r.source, QStringLiteral("api"));
  auto* model = w.gallery()->model();
  EXPECT_TRUE(
      model->data(model->index(0), Qt::DisplayRole).toString().startsWith(QStringLiteral("[api]")));
  EXPECT_GE(mostQueued, 2) << "concurrent API requests show in the queue";
  ASSERT_TRUE(waitUntil([&] { return w.serverPanel()->logLines() >= kSuiteImages; }, 5000))
      << w.serverPanel()->logLines();

  clickToolbarAction(w, w.serverAction());
  EXPECT_FALSE(h.services().server()->isRunning());
  EXPECT_FALSE(w.serverAction()->isChecked());
  EXPECT_FALSE(getPath(target, "/health").connected);
}

}  // namespace
}  // namespace fd::test
