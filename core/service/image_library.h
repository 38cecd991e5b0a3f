#pragma once
// The folder where every generated image is kept: one PNG (settings in its
// text chunks) plus one small JSON sidecar per image, each written
// atomically (temporary file, then rename). There is no central index file
// to corrupt: the list is rebuilt by reading the sidecars at start, so a
// crash or a kill can at worst leave a temporary file, which is ignored.
// A PNG whose sidecar is missing or corrupt is recovered from its own text
// chunks. Several processes may share one folder (the GUI, a second
// window, `fluxdesk-cli serve`): a new image never takes a name another
// writer has published (no-replace rename), and the folder is watched so
// that images others add or remove show up here (refresh()). Thread-safe:
// the job queue adds from its worker thread, the GUI reads; signals are
// emitted on the calling thread (connect with the default AutoConnection
// from GUI objects, which queues them).

#include <QDateTime>
#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "common/result.h"
#include "pipeline/image_metadata.h"
#include "pipeline/pipeline.h"
#include "service/image_record.h"
#include "service/service_metatypes.h"

class QTimer;

namespace fd {

class FolderWatcher;
struct KnownLibraryFiles;

// What a request started from besides its prompt and settings, kept with
// each of its images so that "reuse settings" can run it again: the input
// picture and mask (written beside the image as <id>.input.png and
// <id>.mask.png) and the LoRA files by path.
struct ImageInputs {
  std::shared_ptr<const SourceImage> source;  // null: text-to-image
  std::vector<LoraSpec> loras;
};
inline ImageInputs inputsOf(const GenerationRequest& request) {
  return {request.source, request.loras};
}

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
  // size win, and the creation time (UTC, milliseconds) is set here. The
  // files are written without holding the library's lock (readers and other
  // adds go on meanwhile); the name is reserved before and the record
  // published after. `inputs`' picture and mask are written after the PNG
  // (each atomically) and before the sidecar that names them; a failure
  // there is logged and leaves the image without them.
  Result<ImageRecord> add(const GeneratedImage& image, const ImageSettings& settings,
                          const QString& source, const ImageInputs& inputs = {});

  // Oldest first.
  std::vector<ImageRecord> records() const;
  std::optional<ImageRecord> record(const QString& id) const;
  int count() const;
  // Records whose prompt contains `text` (case-insensitive), oldest first.
  std::vector<ImageRecord> search(const QString& text) const;

  enum class RemoveMode { Delete, MoveToTrash };
  // Removes the image's files (MoveToTrash falls back to deleting when the
  // platform has no trash). NotFound-style BadRequest for an unknown id.
  Status remove(const QString& id, RemoveMode mode = RemoveMode::Delete);

  // Re-reads the folder; returns how many images it lists. Warnings for
  // skipped files go to the "fluxdesk.library" log category.
  int rescan();

  // Brings the list in line with the folder after other processes added or
  // removed images: imageAdded / imageRemoved for each difference; returns
  // how many. One directory listing when nothing changed; only new files
  // are read. Runs by itself shortly after the folder changes (on the
  // library's thread, which needs an event loop), and when called.
  int refresh();
  // Whether the folder is watched (false: the system refused a watch, so
  // only explicit refresh() calls see other processes' images).
  bool watching() const;

 signals:
  void imageAdded(const fd::ImageRecord& record);
  void imageRemoved(const QString& id);
  void libraryReset();  // after rescan()

 private:
  KnownLibraryFiles knownFiles() const;               // under mutex_
  QString reserveId(const QString& stem, int& next);  // under mutex_
  QString pathOf(const QString& fileName) const;
  SidecarExtras writeInputs(const QString& id, const ImageInputs& inputs) const;

  QString folder_;
  Status openStatus_;
  FolderWatcher* watcher_ = nullptr;
  QTimer* retry_ = nullptr;  // another look at PNGs whose sidecar was not there yet
  mutable std::mutex mutex_;
  std::vector<ImageRecord> records_;  // sorted by created, then id
  std::set<QString> reserved_;        // ids being written by add() now
  QDateTime lastCreated_;             // creation times only increase
  // file name -> modified (ms): not read again until changed
  std::map<QString, qint64> unreadable_;
};

}  // namespace fd
