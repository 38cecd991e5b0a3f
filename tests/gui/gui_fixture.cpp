#include "gui_fixture.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include "demo/demo_model.h"
#include "gallery_model.h"
#include "gallery_widget.h"
#include "generation_panel.h"
#include "prompt_edit.h"

namespace fd::test {

bool waitUntil(const std::function<bool()>& condition, int ms) {
  QElapsedTimer timer;
  timer.start();
  while (!condition()) {
    if (timer.elapsed() > ms) return false;
    QTest::qWait(20);
  }
  return true;
}

QString demoModelFolder() {
  static TempDir dir("gui-demo-model");
  static bool written = [] {
    Status s = writeDemoModel(dir.path().string());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok();
  }();
  (void)written;
  return QString::fromStdString(dir.path().string());
}

GuiHarness::GuiHarness(const QString& libraryFolder) {
  ui::ServicePaths paths;
  paths.libraryFolder = libraryFolder;
  // No model folder: the app runs its demo model, pre-written to a
  // temporary folder so nothing lands in the user's data folder.
  paths.demoModelFolder = demoModelFolder();
  EngineOptions options;
  options.device = DevicePreference::Cpu;
  services_ = std::make_unique<ui::AppServices>(paths, options);
  Status ready = services_->init();
  EXPECT_TRUE(ready.ok()) << (ready.ok() ? "" : ready.error().message);
  window_ = std::make_unique<ui::MainWindow>(settings_, *services_);
  window_->show();
}

GuiHarness::~GuiHarness() {
  window_->close();
  window_.reset();
  services_.reset();
}

int GuiHarness::galleryCount() const { return window_->gallery()->model()->rowCount(); }

void GuiHarness::typePrompt(const QString& text) {
  auto* edit = window_->generationPanel()->promptEdit();
  edit->clear();
  QTest::keyClicks(edit, text);
}

void GuiHarness::setSize(int width, int height) {
  auto* panel = window_->generationPanel();
  panel->findChild<QSpinBox*>(QStringLiteral("widthSpin"))->setValue(width);
  panel->findChild<QSpinBox*>(QStringLiteral("heightSpin"))->setValue(height);
}

void GuiHarness::setCount(int count) {
  window_->generationPanel()->findChild<QSpinBox*>(QStringLiteral("countSpin"))->setValue(count);
}

void GuiHarness::setSteps(int steps) {
  window_->generationPanel()->findChild<QSpinBox*>(QStringLiteral("stepsSpin"))->setValue(steps);
}

void GuiHarness::clickGenerate() {
  QTest::mouseClick(window_->generationPanel()->generateButton(), Qt::LeftButton);
}

bool GuiHarness::waitForModel(int ms) {
  return waitUntil([this] { return window_->loadedModel().has_value(); }, ms);
}

}  // namespace fd::test
