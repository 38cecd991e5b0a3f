#include "service/folder_watcher.h"

#include <QMetaObject>

namespace fd {

FolderWatcher::FolderWatcher(const QString& folder, int delayMs, QObject* parent)
    : QObject(parent), watcher_(this), delay_(this) {
  delay_.setSingleShot(true);
  delay_.setInterval(delayMs);
  connect(&delay_, &QTimer::timeout, this, &FolderWatcher::changed);
  // Not restarted by later events: under a steady stream of writes a
  // restarting timer would never fire.
  connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, [this] {
    if (!delay_.isActive()) delay_.start();
  });
  watcher_.addPath(folder);
}

bool FolderWatcher::watching() const { return !watcher_.directories().isEmpty(); }

void FolderWatcher::poke() {
  QMetaObject::invokeMethod(this, [this] {
    if (!delay_.isActive()) delay_.start();
  });
}

}  // namespace fd
