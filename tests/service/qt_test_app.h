#pragma once
// A QCoreApplication for GoogleTest suites of the service layer (created
// once, before the first test, on the main thread), and a wait helper
// that keeps its event loop turning.

#include <QString>
#include <functional>
#include <ostream>

// Readable QStrings in GoogleTest messages.
inline void PrintTo(const QString& text, std::ostream* out) {
  *out << '"' << text.toStdString() << '"';
}

namespace fd::test {

// Processes events until `done` or `timeoutMs`; returns done().
bool waitFor(const std::function<bool()>& done, int timeoutMs = 10000);

}  // namespace fd::test
