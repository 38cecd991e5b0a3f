#pragma once
// The gallery as a list model over the ImageLibrary, newest first.
// Thumbnails come from a ThumbnailLoader as they are needed (only visible
// rows ask), so thousands of images stay quick. Rows drag out as files.

#include <QAbstractListModel>
#include <vector>

#include "service/image_record.h"

namespace fd {
class ImageLibrary;
}

namespace fd::ui {

class ThumbnailLoader;

class GalleryModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    PathRole,
    PromptRole,
    SeedRole,
    SourceRole,
    CreatedRole,
  };

  GalleryModel(ImageLibrary* library, ThumbnailLoader* thumbnails, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  Qt::DropActions supportedDragActions() const override;

  const ImageRecord* recordAt(int row) const;
  int rowForId(const QString& id) const;
  void reload();

 private:
  void onImageAdded(const fd::ImageRecord& record);
  void onImageRemoved(const QString& id);
  void onThumbnailReady(const QString& id);

  ImageLibrary* library_;
  ThumbnailLoader* thumbnails_;
  std::vector<ImageRecord> rows_;  // newest first
};

}  // namespace fd::ui
