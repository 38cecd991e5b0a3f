#include "service/image_library.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTimer>
#include <algorithm>

#include "common/atomic_file.h"
#include "pipeline/image_io.h"
#include "service/folder_watcher.h"
#include "service/library_scan.h"

Q_LOGGING_CATEGORY(lcLibrary, "fluxdesk.library")

namespace fd {

namespace {

// A burst of writes (PNG, sidecar, their temporary files) is one refresh.
constexpr int kRefreshDelayMs = 250;
// A PNG without a sidecar this young is probably between its writer's two
// files (see add()); recovering it now would race that writer's sidecar.
constexpr int kRecoveryGraceMs = 3000;
// Name clashes with other writers before giving up (each costs a rename).
constexpr int kMaxNameAttempts = 1000;

void insertSorted(std::vector<ImageRecord>& records, const ImageRecord& record) {
  records.insert(std::upper_bound(records.begin(), records.end(), record, recordCreatedBefore),
                 record);
}

}  // namespace

QString defaultLibraryFolder() {
  QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  if (pictures.isEmpty()) pictures = QDir::home().absoluteFilePath(QStringLiteral("Pictures"));
  return QDir(pictures).absoluteFilePath(QStringLiteral("FluxDesk"));
}

ImageLibrary::ImageLibrary(const QString& folder, QObject* parent)
    : QObject(parent), folder_(QDir(folder).absolutePath()) {
  if (!QDir().mkpath(folder_)) {
    openStatus_ = makeError(
        ErrorKind::Io, "cannot create the image library folder '" + folder_.toStdString() + "'");
    qCWarning(lcLibrary) << openStatus_.error().message.c_str();
    return;
  }
  rescan();
  watcher_ = new FolderWatcher(folder_, kRefreshDelayMs, this);
  connect(watcher_, &FolderWatcher::changed, this, &ImageLibrary::refresh);
  if (!watcher_->watching())
    qCWarning(lcLibrary) << "cannot watch" << folder_ << "for images other programs add";
  retry_ = new QTimer(this);
  retry_->setSingleShot(true);
  retry_->setInterval(kRecoveryGraceMs);
  connect(retry_, &QTimer::timeout, this, &ImageLibrary::refresh);
}

ImageLibrary::~ImageLibrary() = default;

QString ImageLibrary::folder() const { return folder_; }
Status ImageLibrary::openStatus() const { return openStatus_; }
bool ImageLibrary::watching() const { return watcher_ && watcher_->watching(); }

QString ImageLibrary::pathOf(const QString& fileName) const {
  return QDir(folder_).absoluteFilePath(fileName);
}

KnownLibraryFiles ImageLibrary::knownFiles() const {
  KnownLibraryFiles known;
  for (const ImageRecord& r : records_) {
    known.ids.insert(r.id);
    known.pngNames.insert(QFileInfo(r.filePath).fileName());
  }
  for (const QString& id : reserved_) {
    known.ids.insert(id);
    known.pngNames.insert(id + QStringLiteral(".png"));
  }
  known.unreadable = unreadable_;
  return known;
}

int ImageLibrary::rescan() {
  // Everything is read again (nothing counts as known), and PNGs without a
  // sidecar are recovered at once: at start no writer of ours is running.
  LibraryScan scan =
      scanLibraryFiles(folder_, libraryFileNames(folder_), {}, 0, /*removeStaleTemporaries=*/true);
  int count = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Records add() published while the folder was being read stay listed.
    std::set<QString> scanned;
    for (const ImageRecord& r : scan.records) scanned.insert(r.id);
    for (const ImageRecord& r : records_) {
      if (!scanned.count(r.id) && QFileInfo::exists(r.filePath)) insertSorted(scan.records, r);
    }
    records_ = std::move(scan.records);
    unreadable_ = std::move(scan.unreadable);
    if (!records_.empty() && (!lastCreated_.isValid() || lastCreated_ < records_.back().created))
      lastCreated_ = records_.back().created;
    count = int(records_.size());
  }
  emit libraryReset();
  return count;
}

int ImageLibrary::refresh() {
  if (!openStatus_) return 0;
  KnownLibraryFiles known;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    known = knownFiles();
  }
  // The folder is read without the lock; what changed meanwhile is settled
  // when merging below.
  const QStringList names = libraryFileNames(folder_);
  LibraryScan scan =
      scanLibraryFiles(folder_, names, known, kRecoveryGraceMs, /*removeStaleTemporaries=*/false);
  const std::set<QString> present(names.begin(), names.end());

  std::vector<ImageRecord> added;
  std::vector<QString> removed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, modified] : scan.unreadable) unreadable_[name] = modified;
    for (auto it = unreadable_.begin(); it != unreadable_.end();)  // forget files that are gone
      it = present.count(it->first) ? std::next(it) : unreadable_.erase(it);
    // Gone: listed when the folder was read, and its PNG was not in it (and
    // is still not there: a new add may have taken the name since).
    for (auto it = records_.begin(); it != records_.end();) {
      const bool wasKnown = known.ids.count(it->id) && !reserved_.count(it->id);
      if (wasKnown && !present.count(QFileInfo(it->filePath).fileName()) &&
          !QFileInfo::exists(it->filePath)) {
        removed.push_back(it->id);
        it = records_.erase(it);
      } else {
        ++it;
      }
    }
    // New: unless add() is writing it now or has published it meanwhile.
    for (ImageRecord& r : scan.records) {
      if (reserved_.count(r.id)) continue;
      if (std::any_of(records_.begin(), records_.end(),
                      [&](const ImageRecord& e) { return e.id == r.id; }))
        continue;
      if (!lastCreated_.isValid() || lastCreated_ < r.created) lastCreated_ = r.created;
      insertSorted(records_, r);
      added.push_back(std::move(r));
    }
  }
  if (scan.deferred > 0 && retry_)
    QMetaObject::invokeMethod(retry_, [timer = retry_] { timer->start(); });
  for (const QString& id : removed) emit imageRemoved(id);
  for (const ImageRecord& r : added) emit imageAdded(r);
  return int(added.size() + removed.size());
}

// The first of stem, stem-2, stem-3, ... (from `next`) that this library
// neither lists nor is writing; other processes' files are found by the
// no-replace rename in add().
QString ImageLibrary::reserveId(const QString& stem, int& next) {
  for (;; ++next) {
    const QString id = next <= 1 ? stem : stem + QStringLiteral("-%1").arg(next);
    if (reserved_.count(id)) continue;
    if (std::any_of(records_.begin(), records_.end(),
                    [&](const ImageRecord& r) { return r.id == id; }))
      continue;
    reserved_.insert(id);
    ++next;
    return id;
  }
}

// The input as a plain PNG (no settings chunks: it is not an image of the
// library, and scans skip it by name), the mask as black and white (white
// repaints), the convention `fluxdesk-cli generate --mask` reads back.
SidecarExtras ImageLibrary::writeInputs(const QString& id, const ImageInputs& inputs) const {
  SidecarExtras extras;
  extras.loras = inputs.loras;
  const SourceImage* input = inputs.source.get();
  if (!input || input->width <= 0 || input->height <= 0 ||
      input->rgb.size() != size_t(input->width) * size_t(input->height) * 3)
    return extras;
  auto writePng = [&](const QString& name, const std::vector<uint8_t>& rgb) {
    auto png = encodePng(rgb.data(), input->width, input->height);
    Status written =
        png ? writeFileAtomically(pathOf(name).toStdString(), png.value()) : Status(png.error());
    if (!written)
      qCWarning(lcLibrary) << "input of" << id << "not kept:" << written.error().message.c_str();
    return written.ok();
  };
  if (!writePng(inputFileNameFor(id), input->rgb)) return extras;
  extras.inputFile = inputFileNameFor(id);
  if (input->mask.size() == size_t(input->width) * size_t(input->height)) {
    std::vector<uint8_t> mask(input->mask.size() * 3);
    for (size_t i = 0; i < input->mask.size(); ++i) {
      const uint8_t v = input->mask[i] ? 255 : 0;
      mask[3 * i] = mask[3 * i + 1] = mask[3 * i + 2] = v;
    }
    if (writePng(maskFileNameFor(id), mask)) extras.maskFile = maskFileNameFor(id);
  }
  return extras;
}

Result<ImageRecord> ImageLibrary::add(const GeneratedImage& image, const ImageSettings& settings,
                                      const QString& source, const ImageInputs& inputs) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != size_t(image.width) * size_t(image.height) * 3) {
    return makeError(ErrorKind::BadRequest,
                     "the image has no pixels or a size that does not match them");
  }
  if (!openStatus_) return openStatus_.error();
  ImageSettings described = settings;  // the image's own seed and size win
  described.width = image.width;
  described.height = image.height;
  described.seed = image.seed;

  const QString stem =
      QString::fromStdString(imageFileStem(localDateTimeStamp(), described.seed, described.prompt));
  QString id;
  int next = 1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Milliseconds, and strictly after every image handed out so far, so
    // the gallery order after a restart is the order of creation.
    QDateTime created = QDateTime::currentDateTimeUtc();
    if (lastCreated_.isValid() && created <= lastCreated_) created = lastCreated_.addMSecs(1);
    lastCreated_ = created;
    described.createdAt = created.toString(Qt::ISODateWithMs).toStdString();
    id = reserveId(stem, next);
  }
  // From here on the files are written without the lock; every way out
  // gives the reserved name back.
  auto release = [&] {
    std::lock_guard<std::mutex> lock(mutex_);
    reserved_.erase(id);
  };

  auto png = encodeImage(image.rgb.data(), image.width, image.height, ImageFormat::Png, described);
  if (!png) {
    release();
    return png.error();
  }
  auto file = AtomicFile::create(pathOf(id + QStringLiteral(".png")).toStdString());
  Status written = file ? file.value().write(png->data(), png->size()) : Status(file.error());
  // Published under the reserved name unless another process took it
  // first (it does not know our reservations): then the next free name.
  for (int attempt = 0; written.ok(); ++attempt) {
    auto published = file.value().commitAsNew(pathOf(id + QStringLiteral(".png")).toStdString());
    if (!published) {
      written = published.error();
    } else if (published.value()) {
      break;
    } else if (attempt + 1 >= kMaxNameAttempts) {
      written = makeError(ErrorKind::Io, "no free file name for '" + stem.toStdString() + "' in '" +
                                             folder_.toStdString() + "'");
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      reserved_.erase(id);
      id = reserveId(stem, next);
    }
  }
  if (!written) {
    release();
    return written.error();
  }

  // The PNG alone is already safe (its chunks hold the settings); a
  // failed sidecar is rebuilt from them at the next scan. The inputs come
  // first so that the sidecar never names a file that is not there yet.
  const QString pngName = id + QStringLiteral(".png");
  const SidecarExtras extras = writeInputs(id, inputs);
  std::string sidecar = recordSidecarJson(described, id, pngName, source, extras);
  Status sidecarWritten =
      sidecar.empty()
          ? Status(makeError(ErrorKind::Internal, "settings not writable as JSON"))
          : writeFileAtomically(pathOf(id + QStringLiteral(".json")).toStdString(), sidecar);
  if (!sidecarWritten)
    qCWarning(lcLibrary) << "sidecar not written:" << sidecarWritten.error().message.c_str();

  ImageRecord record = recordFromSettings(described, id, pathOf(pngName), source);
  if (!extras.inputFile.isEmpty()) record.inputPath = pathOf(extras.inputFile);
  if (!extras.maskFile.isEmpty()) record.maskPath = pathOf(extras.maskFile);
  if (!extras.loras.empty()) record.loras = recordLoras(extras.loras);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reserved_.erase(id);
    insertSorted(records_, record);
  }
  emit imageAdded(record);
  return record;
}

std::vector<ImageRecord> ImageLibrary::records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

std::optional<ImageRecord> ImageLibrary::record(const QString& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& r : records_) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

int ImageLibrary::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return int(records_.size());
}

std::vector<ImageRecord> ImageLibrary::search(const QString& text) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ImageRecord> found;
  for (const auto& r : records_) {
    if (r.prompt.contains(text, Qt::CaseInsensitive)) found.push_back(r);
  }
  return found;
}

Status ImageLibrary::remove(const QString& id, RemoveMode mode) {
  const std::optional<ImageRecord> found = record(id);
  if (!found)
    return makeError(ErrorKind::BadRequest, "no image '" + id.toStdString() + "' in the library");
  // The files go without the lock: moving to the trash may copy them to
  // another file system. The PNG first: a sidecar alone lists nothing; the
  // kept input and mask last (they list nothing either).
  if (mode == RemoveMode::MoveToTrash) {
    // Qt puts the home trash under the generic data folder; when that folder
    // does not exist yet (a fresh home), it trashes into the current working
    // directory instead. Make sure it exists.
    QDir().mkpath(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation));
  }
  for (const QString& path :
       {found->filePath, pathOf(id + QStringLiteral(".json")), found->inputPath, found->maskPath}) {
    if (path.isEmpty()) continue;
    if (!QFileInfo::exists(path)) continue;
    bool gone =
        (mode == RemoveMode::MoveToTrash && QFile::moveToTrash(path)) || QFile::remove(path);
    if (!gone) return makeError(ErrorKind::Io, "cannot remove '" + path.toStdString() + "'");
  }
  bool erased = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(records_.begin(), records_.end(),
                           [&](const ImageRecord& r) { return r.id == id; });
    if (it != records_.end()) {
      records_.erase(it);
      erased = true;
    }
  }
  // Not erased: a refresh() saw the files go first and said so already.
  if (erased) emit imageRemoved(id);
  return Status::success();
}

}  // namespace fd
