#pragma once

namespace fd::ui {
// Creates the QApplication and the main window; returns the exit code.
int runApplication(int argc, char** argv);
}  // namespace fd::ui
