#include "service/library_scan.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <algorithm>

#include "common/atomic_file.h"
#include "pipeline/image_io.h"

Q_DECLARE_LOGGING_CATEGORY(lcLibrary)

namespace fd {

namespace {

constexpr qint64 kStaleTemporarySeconds = 3600;
constexpr qint64 kMaxSidecarBytes = 1 << 20;

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
  if (file.size() > kMaxSidecarBytes)
    return makeError(ErrorKind::BadRequest, "the file is too large");
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
    qCWarning(lcLibrary) << "skipping" << png.fileName()
                         << ": not a FluxDesk image (no settings chunk)";
    return std::nullopt;
  }
  auto settings = settingsFromJson(it->second);
  if (!settings) {
    qCWarning(lcLibrary) << "skipping" << png.fileName() << ":" << settings.error().message.c_str();
    return std::nullopt;
  }
  const QString id = png.completeBaseName();
  const QString source = QStringLiteral("recovered");
  // The input and mask kept beside it survive a lost sidecar (LoRA paths do not).
  SidecarExtras extras;
  const QDir dir = png.absoluteDir();
  if (settings->inpaint || !settings->sourceImage.empty()) {
    if (QFileInfo::exists(dir.absoluteFilePath(inputFileNameFor(id))))
      extras.inputFile = inputFileNameFor(id);
    if (QFileInfo::exists(dir.absoluteFilePath(maskFileNameFor(id))))
      extras.maskFile = maskFileNameFor(id);
  }
  std::string sidecar = recordSidecarJson(settings.value(), id, png.fileName(), source, extras);
  QString sidecarPath = png.absoluteDir().absoluteFilePath(id + QStringLiteral(".json"));
  Status written = sidecar.empty()
                       ? Status(makeError(ErrorKind::Internal, "settings not writable as JSON"))
                       : writeFileAtomically(sidecarPath.toStdString(), sidecar);
  if (!written)
    qCWarning(lcLibrary) << "cannot rewrite the sidecar:" << written.error().message.c_str();
  qCInfo(lcLibrary) << "recovered" << png.fileName() << "from its own settings";
  ImageRecord record = recordFromSettings(settings.value(), id, png.absoluteFilePath(), source);
  if (!extras.inputFile.isEmpty()) record.inputPath = dir.absoluteFilePath(extras.inputFile);
  if (!extras.maskFile.isEmpty()) record.maskPath = dir.absoluteFilePath(extras.maskFile);
  return record;
}

qint64 modifiedMs(const QFileInfo& info) { return info.lastModified().toMSecsSinceEpoch(); }

bool isKnownUnreadable(const KnownLibraryFiles& known, const QFileInfo& info) {
  auto it = known.unreadable.find(info.fileName());
  return it != known.unreadable.end() && it->second == modifiedMs(info);
}

}  // namespace

bool isTemporaryLibraryFile(const QString& name) {
  return name.contains(QLatin1String(kAtomicTempMarker));
}

QStringList libraryFileNames(const QString& folder) {
  return QDir(folder).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

LibraryScan scanLibraryFiles(const QString& folder, const QStringList& names,
                             const KnownLibraryFiles& known, qint64 recoveryGraceMs,
                             bool removeStaleTemporaries) {
  LibraryScan scan;
  const QDir dir(folder);
  std::set<QString> listedPngs = known.pngNames;
  std::vector<QFileInfo> pngs;
  for (const QString& name : names) {
    if (isTemporaryLibraryFile(name)) {
      if (removeStaleTemporaries) handleTemporaryFile(QFileInfo(dir.absoluteFilePath(name)));
      continue;
    }
    if (isCompanionFileName(name))
      continue;  // an image's kept input or mask, listed through its sidecar
    if (name.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
      if (!known.pngNames.count(name)) pngs.emplace_back(dir.absoluteFilePath(name));
      continue;
    }
    if (!name.endsWith(QLatin1String(".json"))) continue;
    // Ours are named after their id: a listed one needs no reading.
    if (known.ids.count(QFileInfo(name).completeBaseName())) continue;
    const QFileInfo info(dir.absoluteFilePath(name));
    if (isKnownUnreadable(known, info)) continue;
    auto text = readSmallFile(info.absoluteFilePath());
    auto record =
        text ? recordFromSidecarJson(text.value(), folder) : Result<ImageRecord>(text.error());
    if (!record) {
      qCWarning(lcLibrary) << "skipping sidecar" << name << ":" << record.error().message.c_str();
      scan.unreadable[name] = modifiedMs(info);
      continue;
    }
    if (known.ids.count(record->id)) continue;
    // The PNG is written first, so a sidecar alone means the image is gone.
    if (!QFileInfo::exists(record->filePath)) {
      qCWarning(lcLibrary) << "skipping sidecar" << name << ": its image is missing";
      scan.unreadable[name] = modifiedMs(info);
      continue;
    }
    listedPngs.insert(QFileInfo(record->filePath).fileName());
    scan.records.push_back(std::move(record.value()));
  }
  const QDateTime now = QDateTime::currentDateTime();
  for (const QFileInfo& png : pngs) {
    if (listedPngs.count(png.fileName()) || known.ids.count(png.completeBaseName())) continue;
    if (isKnownUnreadable(known, png)) continue;
    if (png.lastModified().msecsTo(now) < recoveryGraceMs) {
      ++scan.deferred;  // its writer is probably writing the sidecar now
      continue;
    }
    if (auto recovered = recoverFromPng(png)) {
      scan.records.push_back(std::move(*recovered));
    } else {
      scan.unreadable[png.fileName()] = modifiedMs(png);
    }
  }
  std::sort(scan.records.begin(), scan.records.end(), recordCreatedBefore);
  return scan;
}

}  // namespace fd
