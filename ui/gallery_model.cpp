#include "gallery_model.h"

#include <QMimeData>
#include <QUrl>
#include <algorithm>

#include "service/image_library.h"
#include "thumbnail_loader.h"

namespace fd::ui {

GalleryModel::GalleryModel(ImageLibrary* library, ThumbnailLoader* thumbnails, QObject* parent)
    : QAbstractListModel(parent), library_(library), thumbnails_(thumbnails) {
  reload();
  connect(library_, &ImageLibrary::imageAdded, this, &GalleryModel::onImageAdded);
  connect(library_, &ImageLibrary::imageRemoved, this, &GalleryModel::onImageRemoved);
  connect(library_, &ImageLibrary::libraryReset, this, &GalleryModel::reload);
  connect(thumbnails_, &ThumbnailLoader::thumbnailReady, this, &GalleryModel::onThumbnailReady);
}

void GalleryModel::reload() {
  beginResetModel();
  rows_ = library_->records();
  std::reverse(rows_.begin(), rows_.end());
  endResetModel();
}

int GalleryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

const ImageRecord* GalleryModel::recordAt(int row) const {
  if (row < 0 || row >= static_cast<int>(rows_.size())) return nullptr;
  return &rows_[static_cast<size_t>(row)];
}

int GalleryModel::rowForId(const QString& id) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return static_cast<int>(i);
  return -1;
}

QVariant GalleryModel::data(const QModelIndex& index, int role) const {
  const ImageRecord* r = index.isValid() ? recordAt(index.row()) : nullptr;
  if (!r) return {};
  switch (role) {
    case Qt::DisplayRole: {
      // Images from the API or the CLI carry their source as a tag.
      QString text = r->prompt.simplified().left(40);
      if (r->source != QStringLiteral("gui")) text = QStringLiteral("[%1] ").arg(r->source) + text;
      return text;
    }
    case Qt::ToolTipRole:
      return tr("%1\nseed %2 · %3×%4 · %5 steps · %6")
          .arg(r->prompt)
          .arg(r->seed)
          .arg(r->width)
          .arg(r->height)
          .arg(r->steps)
          .arg(r->source);
    case Qt::DecorationRole: {
      // A same-size placeholder until the thumbnail arrives, so the view's
      // (uniform) item size is right from the first layout.
      QPixmap thumbnail = thumbnails_->thumbnail(r->id, r->filePath);
      return thumbnail.isNull() ? thumbnails_->placeholder() : thumbnail;
    }
    case IdRole: return r->id;
    case PathRole: return r->filePath;
    case PromptRole: return r->prompt;
    case SeedRole: return QVariant::fromValue<quint64>(r->seed);
    case SourceRole: return r->source;
    case CreatedRole: return r->created;
    default: return {};
  }
}

Qt::ItemFlags GalleryModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractListModel::flags(index);
  if (index.isValid()) f |= Qt::ItemIsDragEnabled;
  return f;
}

QStringList GalleryModel::mimeTypes() const { return {QStringLiteral("text/uri-list")}; }

Qt::DropActions GalleryModel::supportedDragActions() const { return Qt::CopyAction; }

QMimeData* GalleryModel::mimeData(const QModelIndexList& indexes) const {
  // File URLs: file managers, browsers and editors all accept them.
  QList<QUrl> urls;
  for (const QModelIndex& index : indexes)
    if (const ImageRecord* r = recordAt(index.row())) urls << QUrl::fromLocalFile(r->filePath);
  if (urls.isEmpty()) return nullptr;
  auto* mime = new QMimeData();
  mime->setUrls(urls);
  return mime;
}

void GalleryModel::onImageAdded(const ImageRecord& record) {
  if (rowForId(record.id) >= 0) return;
  // Usually the newest (row 0), but images another process wrote may be
  // older than ones listed already: keep the library's order, reversed.
  auto at = std::find_if(rows_.begin(), rows_.end(),
                         [&](const ImageRecord& r) { return recordCreatedBefore(r, record); });
  const int row = static_cast<int>(at - rows_.begin());
  beginInsertRows({}, row, row);
  rows_.insert(at, record);
  endInsertRows();
}

void GalleryModel::onImageRemoved(const QString& id) {
  int row = rowForId(id);
  if (row < 0) return;
  beginRemoveRows({}, row, row);
  rows_.erase(rows_.begin() + row);
  endRemoveRows();
  thumbnails_->forget(id);
}

void GalleryModel::onThumbnailReady(const QString& id) {
  int row = rowForId(id);
  if (row < 0) return;
  QModelIndex i = index(row);
  emit dataChanged(i, i, {Qt::DecorationRole});
}

}  // namespace fd::ui
