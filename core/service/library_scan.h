#pragma once
// Reading the image library's folder into records: the sidecars, PNGs
// whose sidecar is missing or corrupt (recovered from their own text
// chunks), and what to leave alone (temporary files of writes in progress,
// files already listed, files already found unreadable). The same reader
// serves the first full scan and the incremental refreshes that pick up
// images other processes (fluxdesk-cli serve, a second window) wrote.

#include <QString>
#include <QStringList>
#include <map>
#include <set>
#include <vector>

#include "service/image_record.h"

namespace fd {

// What the library lists already (or is writing now): skipped by the scan.
struct KnownLibraryFiles {
  std::set<QString> ids;
  std::set<QString> pngNames;
  // Files found unreadable before, with their modification time (ms since
  // the epoch): not read (nor warned about) again until they change.
  std::map<QString, qint64> unreadable;
};

struct LibraryScan {
  std::vector<ImageRecord> records;      // new ones, sorted by created then id
  std::map<QString, qint64> unreadable;  // newly found unreadable files
  // PNGs without a sidecar younger than the grace period: probably a
  // writer between its two files; worth another look after the grace.
  int deferred = 0;
};

// `names`: file names in `folder` (QDir::entryList). A PNG without a sidecar
// is recovered (its sidecar rewritten) once it is `recoveryGraceMs` old.
// `removeStaleTemporaries`: delete temporary files over an hour old (left by
// a crash); done by the full scan only.
LibraryScan scanLibraryFiles(const QString& folder, const QStringList& names,
                             const KnownLibraryFiles& known, qint64 recoveryGraceMs,
                             bool removeStaleTemporaries);

// Every file name in `folder` (hidden ones too), sorted.
QStringList libraryFileNames(const QString& folder);

// Whether a file name is a temporary file of an atomic write.
bool isTemporaryLibraryFile(const QString& name);

}  // namespace fd
