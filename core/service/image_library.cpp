#include "service/image_library.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <algorithm>
#include <set>

#include "pipeline/atomic_file.h"
#include "pipeline/image_io.h"

Q_LOGGING_CATEGORY(lcLibrary, "fluxdesk.library")

namespace fd {

namespace {

constexpr const char* kTemporaryMarker = ".tmp-";  // see atomic_file.cpp
constexpr qint64 kStaleTemporarySeconds = 3600;
constexpr qint64 kMaxSidecarBytes = 1 << 20;

bool byCreated(const ImageRecord& a, const ImageRecord& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.id < b.id;
}

// A leftover of a write interrupted by a crash or a kill. Young ones may
// belong to a write in progress (another FluxDesk process), so they stay.
void handleTemporaryFile(const QFileInfo& info) {
  qint64 age = info.lastModified().secsTo(QDateTime::currentDateTime());
  if (age > kStaleTemporarySeconds && QFile::remove(info.absoluteFilePath())) {
    qCInfo(lcLibrary) << "removed an interrupted write:" << info.fileName();
  } else {
    qCDebug(lcLibrary) << "ignoring temporary file" << info.fileName();
  }
}

Result<std::string> readSmallFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    return makeError(ErrorKind::Io, "cannot read: " + file.errorString().toStdString());
  }
  if (file.size() > kMaxSidecarBytes) return makeError(ErrorKind::BadRequest, "the file is too large");
  QByteArray bytes = file.readAll();
  return std::string(bytes.constData(), size_t(bytes.size()));
}

// Rebuilds a record from the `fluxdesk` text chunk of a PNG of ours.
std::optional<ImageRecord> recoverFromPng(const QFileInfo& png) {
  auto chunks = readPngTextChunks(png.absoluteFilePath().toStdString());
  if (!chunks) {
    qCWarning(lcLibrary) << "skipping" << png.fileName() << ":" << chunks.error().message.c_str();
    return std::nullopt;
  }
  auto it = chunks->find("fluxdesk");
  if (it == chunks->end()) {
    qCWarning(lcLibrary) << "skipping" << png.fileName() << ": not a FluxDesk image (no settings chunk)";
    return std::nullopt;
  }
  auto settings = settingsFromJson(it->second);
  if (!settings) {
    qCWarning(lcLibrary) << "skipping" << png.fileName() << ":" << settings.error().message.c_str();
    return std::nullopt;
  }
  const QString id = png.completeBaseName();
  const QString source = QStringLiteral("recovered");
  std::string sidecar = recordSidecarJson(settings.value(), id, png.fileName(), source);
  QString sidecarPath = png.absoluteDir().absoluteFilePath(id + QStringLiteral(".json"));
  Status written = sidecar.empty() ? Status(makeError(ErrorKind::Internal, "settings not writable as JSON"))
                                   : writeFileAtomically(sidecarPath.toStdString(), sidecar);
  if (!written) qCWarning(lcLibrary) << "cannot rewrite the sidecar:" << written.error().message.c_str();
  qCInfo(lcLibrary) << "recovered" << png.fileName() << "from its own settings";
  return recordFromSettings(settings.value(), id, png.absoluteFilePath(), source);
}

std::vector<ImageRecord> scanFolder(const QString& folder) {
  std::vector<ImageRecord> records;
  std::set<QString> listedPngs;
  const QFileInfoList entries = QDir(folder).entryInfoList(QDir::Files | QDir::Hidden, QDir::Name);
  std::vector<QFileInfo> pngs;
  for (const QFileInfo& info : entries) {
    const QString name = info.fileName();
    if (name.contains(QLatin1String(kTemporaryMarker))) {
      handleTemporaryFile(info);
      continue;
    }
    if (name.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
      pngs.push_back(info);
      continue;
    }
    if (!name.endsWith(QLatin1String(".json"))) continue;
    auto text = readSmallFile(info.absoluteFilePath());
    if (!text) {
      qCWarning(lcLibrary) << "skipping sidecar" << name << ":" << text.error().message.c_str();
      continue;
    }
    auto record = recordFromSidecarJson(text.value(), folder);
    if (!record) {
      qCWarning(lcLibrary) << "skipping corrupt sidecar" << name << ":" << record.error().message.c_str();
      continue;
    }
    if (!QFileInfo::exists(record->filePath)) {
      qCWarning(lcLibrary) << "skipping sidecar" << name << ": its image is missing";
      continue;
    }
    listedPngs.insert(QFileInfo(record->filePath).fileName());
    records.push_back(std::move(record.value()));
  }
  for (const QFileInfo& png : pngs) {
    if (listedPngs.count(png.fileName())) continue;
    if (auto recovered = recoverFromPng(png)) records.push_back(std::move(*recovered));
  }
  std::sort(records.begin(), records.end(), byCreated);
  return records;
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
    openStatus_ = makeError(ErrorKind::Io, "cannot create the image library folder '" +
                                               folder_.toStdString() + "'");
    qCWarning(lcLibrary) << openStatus_.error().message.c_str();
    return;
  }
  rescan();
}

ImageLibrary::~ImageLibrary() = default;

QString ImageLibrary::folder() const { return folder_; }
Status ImageLibrary::openStatus() const { return openStatus_; }

int ImageLibrary::rescan() {
  std::vector<ImageRecord> scanned = scanFolder(folder_);
  int count = int(scanned.size());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    records_ = std::move(scanned);
  }
  emit libraryReset();
  return count;
}

Result<ImageRecord> ImageLibrary::add(const GeneratedImage& image, const ImageSettings& settings,
                                      const QString& source) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != size_t(image.width) * size_t(image.height) * 3) {
    return makeError(ErrorKind::BadRequest, "the image has no pixels or a size that does not match them");
  }
  ImageSettings described = settings;  // the image's own seed and size win
  described.width = image.width;
  described.height = image.height;
  described.seed = image.seed;

  ImageRecord record;
  {
    // One writer at a time, so two images never get the same name.
    std::lock_guard<std::mutex> lock(mutex_);
    if (!openStatus_) return openStatus_.error();
    // Milliseconds, and strictly after the newest image, so the gallery
    // order after a restart is the order of creation.
    QDateTime created = QDateTime::currentDateTimeUtc();
    if (!records_.empty() && created <= records_.back().created) created = records_.back().created.addMSecs(1);
    described.createdAt = created.toString(Qt::ISODateWithMs).toStdString();
    const std::string stem = imageFileStem(localDateTimeStamp(), described.seed, described.prompt);
    const std::string pngPath = uniqueImagePath(folder_.toStdString(), stem, ImageFormat::Png);
    const QFileInfo png(QString::fromStdString(pngPath));
    const QString id = png.completeBaseName();

    Status saved = saveImage(pngPath, image.rgb.data(), image.width, image.height, ImageFormat::Png, described);
    if (!saved) return saved.error();

    // The PNG alone is already safe (its chunks hold the settings); a
    // failed sidecar is rebuilt from them at the next scan.
    std::string sidecar = recordSidecarJson(described, id, png.fileName(), source);
    Status written = sidecar.empty()
                         ? Status(makeError(ErrorKind::Internal, "settings not writable as JSON"))
                         : writeFileAtomically(QDir(folder_).absoluteFilePath(id + ".json").toStdString(), sidecar);
    if (!written) qCWarning(lcLibrary) << "sidecar not written:" << written.error().message.c_str();
    record = recordFromSettings(described, id, png.absoluteFilePath(), source);
    auto at = std::upper_bound(records_.begin(), records_.end(), record, byCreated);
    records_.insert(at, record);
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(records_.begin(), records_.end(), [&](const ImageRecord& r) { return r.id == id; });
    if (it == records_.end()) {
      return makeError(ErrorKind::BadRequest, "no image '" + id.toStdString() + "' in the library");
    }
    const QString sidecar = QDir(folder_).absoluteFilePath(it->id + ".json");
    for (const QString& path : {it->filePath, sidecar}) {
      if (!QFileInfo::exists(path)) continue;
      bool gone = (mode == RemoveMode::MoveToTrash && QFile::moveToTrash(path)) || QFile::remove(path);
      if (!gone) return makeError(ErrorKind::Io, "cannot remove '" + path.toStdString() + "'");
    }
    records_.erase(it);
  }
  emit imageRemoved(id);
  return Status::success();
}

}  // namespace fd
