#include "thumbnail_loader.h"

#include <QColor>
#include <QFutureWatcher>
#include <QImageReader>
#include <QtConcurrent>

namespace fd::ui {

namespace {
QImage loadScaled(const QString& path, int edge) {
  QImageReader reader(path);
  QSize size = reader.size();
  if (size.isValid()) reader.setScaledSize(size.scaled(edge, edge, Qt::KeepAspectRatio));
  QImage image = reader.read();
  if (image.isNull()) return image;
  if (image.width() > edge || image.height() > edge)
    image = image.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  return image;
}
}  // namespace

ThumbnailLoader::ThumbnailLoader(int edge, QObject* parent)
    : QObject(parent), edge_(edge), cache_(2000), placeholder_(edge, edge) {
  pool_.setMaxThreadCount(2);
  placeholder_.fill(QColor(0xd8, 0xd8, 0xd8));
}

ThumbnailLoader::~ThumbnailLoader() { pool_.waitForDone(); }

QPixmap ThumbnailLoader::thumbnail(const QString& key, const QString& path) {
  if (QPixmap* hit = cache_.object(key)) return *hit;
  if (pending_.contains(key)) return {};
  pending_.insert(key);
  auto* watcher = new QFutureWatcher<QImage>(this);
  connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, key] {
    QImage image = watcher->result();
    watcher->deleteLater();
    pending_.remove(key);
    if (image.isNull())
      image = QImage(edge_, edge_, QImage::Format_RGB32), image.fill(Qt::darkGray);
    cache_.insert(key, new QPixmap(QPixmap::fromImage(image)));
    emit thumbnailReady(key);
  });
  const int edge = edge_;
  watcher->setFuture(QtConcurrent::run(&pool_, [path, edge] { return loadScaled(path, edge); }));
  return {};
}

void ThumbnailLoader::forget(const QString& key) { cache_.remove(key); }

bool ThumbnailLoader::waitForDone(int msecs) { return pool_.waitForDone(msecs); }

}  // namespace fd::ui
