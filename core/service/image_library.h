#pragma once
// The folder where every generated image is kept: one PNG (settings in its
// text chunks) plus one small JSON sidecar per image, each written
// atomically (temporary file, then rename). There is no central index file
// to corrupt: the list is rebuilt by reading the sidecars at start, so a
// crash or a kill can at worst leave a temporary file, which is ignored.
// A PNG whose sidecar is missing or corrupt is recovered from its own text
// chunks. Thread-safe: the job queue adds from its worker thread, the GUI
// reads; signals are emitted on the calling thread (connect with the
// default AutoConnection from GUI objects, which queues them).

#include <QObject>
#include <QString>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "pipeline/image_metadata.h"
#include "pipeline/pipeline.h"
#include "service/image_record.h"
#include "service/service_metatypes.h"

namespace fd {

// QStandardPaths' PicturesLocation/FluxDesk (home/Pictures/FluxDesk if the
// platform has no pictures folder).
QString defaultLibraryFolder();

class ImageLibrary : public QObject {
  Q_OBJECT
 public:
  // Creates the folder when missing and scans it (see rescan()). Check
  // openStatus() for a folder that could not be created.
  explicit ImageLibrary(const QString& folder = defaultLibraryFolder(), QObject* parent = nullptr);
  ~ImageLibrary() override;

  QString folder() const;
  Status openStatus() const;

  // Writes image as PNG (with settings' text chunks) and its sidecar, then
  // lists it. `settings` describes the request; the image's own seed and
  // size win, and the creation time (UTC, milliseconds) is set here.
  Result<ImageRecord> add(const GeneratedImage& image, const ImageSettings& settings,
                          const QString& source);

  // Oldest first.
  std::vector<ImageRecord> records() const;
  std::optional<ImageRecord> record(const QString& id) const;
  int count() const;
  // Records whose prompt contains `text` (case-insensitive), oldest first.
  std::vector<ImageRecord> search(const QString& text) const;

  enum class RemoveMode { Delete, MoveToTrash };
  // Removes both files (MoveToTrash falls back to deleting when the
  // platform has no trash). NotFound-style BadRequest for an unknown id.
  Status remove(const QString& id, RemoveMode mode = RemoveMode::Delete);

  // Re-reads the folder; returns how many images it lists. Warnings for
  // skipped files go to the "fluxdesk.library" log category.
  int rescan();

 signals:
  void imageAdded(const fd::ImageRecord& record);
  void imageRemoved(const QString& id);
  void libraryReset();  // after rescan()

 private:
  QString folder_;
  Status openStatus_;
  mutable std::mutex mutex_;
  std::vector<ImageRecord> records_;  // sorted by created, then id
};

}  // namespace fd
