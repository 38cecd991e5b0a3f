#pragma once
// Tells when files appear in, change in or leave one folder, at most once
// per `delayMs`: a burst of writes (a PNG, its sidecar and their temporary
// files) is one notice, and a writer that never pauses still gets one
// notice per delay instead of none. inotify on Linux; changes made by
// other machines on a network file system are not reported, which is why
// the GUI also refreshes the library when it gets the focus. Lives on the
// thread that creates it and needs that thread's event loop.

#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

namespace fd {

class FolderWatcher : public QObject {
  Q_OBJECT
 public:
  FolderWatcher(const QString& folder, int delayMs, QObject* parent = nullptr);

  // false when the system refused a watch (e.g. inotify's limit reached):
  // changes are then only seen at the next poke() or focus.
  bool watching() const;
  // Asks for a notice after the delay, as if the folder had changed (from
  // any thread).
  void poke();

 signals:
  void changed();

 private:
  QFileSystemWatcher watcher_;
  QTimer delay_;
};

}  // namespace fd
