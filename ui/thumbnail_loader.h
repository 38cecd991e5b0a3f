#pragma once
// Makes gallery thumbnails off the GUI thread: QtConcurrent on a small
// private pool, each result delivered through a QFutureWatcher owned by
// this object (so a destroyed loader never receives late results).

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QPixmap>
#include <QSet>
#include <QThreadPool>

namespace fd::ui {

class ThumbnailLoader : public QObject {
  Q_OBJECT
 public:
  explicit ThumbnailLoader(int edge = 176, QObject* parent = nullptr);
  ~ThumbnailLoader() override;

  // The cached thumbnail, or a null pixmap after queueing a load (then
  // thumbnailReady follows).
  QPixmap thumbnail(const QString& key, const QString& path);
  void forget(const QString& key);
  bool isCached(const QString& key) const { return cache_.contains(key); }
  // Shown while a thumbnail loads: edge x edge, a quiet grey.
  const QPixmap& placeholder() const { return placeholder_; }
  int edge() const { return edge_; }
  bool waitForDone(int msecs);  // tests
  int cachedCount() const { return cache_.count(); }

 signals:
  void thumbnailReady(const QString& key);

 private:
  int edge_;
  QThreadPool pool_;
  QCache<QString, QPixmap> cache_;
  QSet<QString> pending_;
  QPixmap placeholder_;
};

}  // namespace fd::ui
