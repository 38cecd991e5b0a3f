#pragma once
// A FluxDesk window around services that use temporary folders and the
// demo model, plus helpers to drive it and wait on the event loop.

#include <QString>
#include <functional>
#include <memory>

#include "app_services.h"
#include "app_settings.h"
#include "main_window.h"
#include "support/test_paths.h"

namespace fd::test {

// Processes events until `condition` holds or `ms` pass; returns the condition.
bool waitUntil(const std::function<bool()>& condition, int ms = 60000);

// The demo model, written once per test run and shared by every test.
QString demoModelFolder();

class GuiHarness {
 public:
  explicit GuiHarness(const QString& libraryFolder);
  ~GuiHarness();
  ui::MainWindow& window() { return *window_; }
  ui::AppServices& services() { return *services_; }
  ui::AppSettings& settings() { return settings_; }
  int galleryCount() const;

  // Form helpers: the prompt is typed key by key, like a user would.
  void typePrompt(const QString& text);
  void setSize(int width, int height);
  void setCount(int count);
  void setSteps(int steps);
  void clickGenerate();
  // Waits until the engine has loaded (the window knows its ModelInfo).
  bool waitForModel(int ms = 60000);

 private:
  ui::AppSettings settings_;
  std::unique_ptr<ui::AppServices> services_;
  std::unique_ptr<ui::MainWindow> window_;
};

}  // namespace fd::test
