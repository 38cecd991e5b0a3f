#include "service/model_downloads.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>

#include "hub/hub_download.h"
#include "service/service_metatypes.h"

Q_LOGGING_CATEGORY(lcDownloads, "fluxdesk.downloads")

namespace fd {

namespace {

constexpr const char* kIncomplete = ".incomplete";

bool isPartialFile(const std::filesystem::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  const size_t n = std::char_traits<char>::length(kIncomplete);
  return name.size() > n && name.compare(name.size() - n, n, kIncomplete) == 0;
}

// The distinct repositories of a preset's parts.
std::vector<std::string> presetRepos(const ModelPreset& preset) {
  std::vector<std::string> repos;
  for (const PresetPart& part : preset.parts)
    if (std::find(repos.begin(), repos.end(), part.repo) == repos.end()) repos.push_back(part.repo);
  return repos;
}

std::filesystem::path blobsFolder(const std::string& cacheDir, const std::string& repo) {
  return std::filesystem::path(cacheDir) / hubRepoFolderName(repo) / "blobs";
}

}  // namespace

const char* presetStateName(PresetState state) {
  switch (state) {
    case PresetState::NotDownloaded: return "not-downloaded";
    case PresetState::Partial: return "partial";
    case PresetState::Queued: return "queued";
    case PresetState::Downloading: return "downloading";
    case PresetState::Paused: return "paused";
    case PresetState::Downloaded: return "downloaded";
    case PresetState::Failed: return "failed";
  }
  return "unknown";
}

struct ModelDownloads::Running {
  QString id;
  ModelPreset preset;
  HubConfig config;
  std::atomic<int> stop{static_cast<int>(Stop::None)};
};

template <typename Fn>
void ModelDownloads::post(Fn&& fn) {
  // Queued even on the owning thread, so signal order is event order.
  QMetaObject::invokeMethod(this, std::forward<Fn>(fn), Qt::QueuedConnection);
}

ModelDownloads::ModelDownloads(std::vector<ModelPreset> presets, QObject* parent)
    : QObject(parent), presets_(std::move(presets)) {
  registerServiceMetaTypes();
  qRegisterMetaType<fd::PresetDownloadProgress>("fd::PresetDownloadProgress");
  qRegisterMetaType<fd::ModelLocation>("fd::ModelLocation");
  downloadPool_.setMaxThreadCount(1);
  downloadPool_.setExpiryTimeout(-1);
  diskPool_.setMaxThreadCount(1);
  refresh();
}

ModelDownloads::~ModelDownloads() {
  // Closing the app pauses: the partial files are continued next time.
  if (running_) running_->stop = static_cast<int>(Stop::Pause);
  downloadPool_.waitForDone();
  diskPool_.waitForDone();
}

bool ModelDownloads::setPresets(std::vector<ModelPreset> presets) {
  if (isBusy()) return false;
  presets_ = std::move(presets);
  entries_.clear();
  ++generation_;
  emit presetsChanged();
  refresh();
  return true;
}

const ModelPreset* ModelDownloads::preset(const QString& id) const {
  const std::string key = id.toStdString();
  for (const ModelPreset& p : presets_)
    if (p.id == key) return &p;
  return nullptr;
}

void ModelDownloads::setSettingsToken(const QString& token) { settingsToken_ = token.trimmed(); }

HubConfig ModelDownloads::hubConfig() const {
  std::optional<std::string> token;
  if (!settingsToken_.isEmpty()) token = settingsToken_.toStdString();
  return hubConfigFromEnvironment(token);
}

QString ModelDownloads::cacheDir() const { return QString::fromStdString(hubConfig().cacheDir); }

Result<ModelLocation> ModelDownloads::locationOf(const QString& id) const {
  const ModelPreset* found = preset(id);
  if (!found)
    return makeError(ErrorKind::ModelMissing, "the model \"" + id.toStdString() +
                                                  "\" is not one FluxDesk knows; choose "
                                                  "another in the Models window");
  return presetLocation(*found, hubConfig().cacheDir);
}

std::vector<LocalModel> ModelDownloads::listLocal(const QString& cacheDir) {
  return listLocalModels(cacheDir.toStdString());
}

QString ModelDownloads::recommendedPreset(quint64 ramBytes, quint64 gpuBytes) const {
  if (!ramBytes && !gpuBytes) return {};
  const std::optional<std::string> id = recommendPreset(ramBytes, gpuBytes);
  return id ? QString::fromStdString(*id) : QString();
}

QString ModelDownloads::runningId() const { return running_ ? running_->id : QString(); }

PresetStatus ModelDownloads::status(const QString& id) const {
  PresetStatus s;
  auto it = entries_.find(id);
  if (it == entries_.end()) return s;
  const Entry& e = it->second;
  s.state = e.session.value_or(e.disk.state);
  s.progress = e.progress;
  s.error = e.error;
  s.licenceUrl = e.licenceUrl;
  s.location = e.disk.location;
  s.partialBytes = e.disk.partialBytes;
  return s;
}

void ModelDownloads::setSessionState(const QString& id, PresetState state) {
  Entry& e = entries_[id];
  e.session = state;
  ++e.epoch;
  emit statusChanged(id);
}

bool ModelDownloads::download(const QString& id) {
  if (!preset(id)) return false;
  if ((running_ && running_->id == id) ||
      std::find(queue_.begin(), queue_.end(), id) != queue_.end())
    return false;
  Entry& e = entries_[id];
  e.error.reset();
  e.licenceUrl.clear();
  queue_.push_back(id);
  setSessionState(id, PresetState::Queued);
  startNext();
  return true;
}

void ModelDownloads::startNext() {
  if (running_ || queue_.empty()) return;
  auto run = std::make_shared<Running>();
  run->id = queue_.front();
  queue_.pop_front();
  run->preset = *preset(run->id);
  run->config = hubConfig();
  running_ = run;
  qCInfo(lcDownloads) << "downloading" << run->id << "from"
                      << QString::fromStdString(run->config.endpoint) << "into"
                      << QString::fromStdString(run->config.cacheDir);

  PresetDownloadProgress first;
  first.presetId = run->id;
  first.partCount = int(run->preset.parts.size());
  first.stage = QStringLiteral("starting");
  first.bytesTotal = run->preset.downloadBytes;
  Entry& e = entries_[run->id];
  if (e.progress)
    first.bytesDone = e.progress->bytesDone;  // a resume starts where the pause left it
  e.progress = first;
  setSessionState(run->id, PresetState::Downloading);
  emit progress(first);
  (void)QtConcurrent::run(&downloadPool_, [this, run] { runDownload(run); });
}

void ModelDownloads::runDownload(const std::shared_ptr<Running>& run) {
  const ModelPreset& preset = run->preset;
  const int partCount = int(preset.parts.size());
  std::optional<Error> error;
  QString licenceUrl;
  std::optional<ModelLocation> location;
  quint64 doneBefore = 0;  // bytes of the parts already done
  const auto stopped = [&run] { return run->stop.load() != static_cast<int>(Stop::None); };

  try {
    for (int i = 0; i < partCount && !error; ++i) {
      const PresetPart& part = preset.parts[size_t(i)];
      if (stopped()) {
        error = makeError(ErrorKind::Cancelled, "cancelled");
        break;
      }
      HubDownloadRequest request;
      request.repo = part.repo;
      request.revision = part.revision;
      request.include = part.include;
      request.keepPartialOnCancel = true;  // cancel() deletes them itself, pause keeps them

      QElapsedTimer sinceReport;
      std::string lastFile, lastStage;
      quint64 partTotal = 0;
      const auto onProgress = [&](const HubDownloadProgress& p) {
        partTotal = std::max<quint64>(partTotal, p.bytesTotal);
        const bool news = p.file != lastFile || p.stage != lastStage;
        if (!news && sinceReport.isValid() && sinceReport.elapsed() < 100)
          return;  // ten a second at most
        sinceReport.start();
        lastFile = p.file;
        lastStage = p.stage;
        PresetDownloadProgress r;
        r.presetId = run->id;
        r.partIndex = i;
        r.partCount = partCount;
        r.part = QString::fromStdString(part.role);
        r.repo = QString::fromStdString(part.repo);
        r.stage = QString::fromStdString(p.stage);
        r.file = QString::fromStdString(p.file);
        r.partBytesDone = p.bytesDone;
        r.partBytesTotal = p.bytesTotal;
        r.bytesDone = doneBefore + p.bytesDone;
        r.bytesTotal = std::max<quint64>(preset.downloadBytes, doneBefore + p.bytesTotal);
        r.bytesTotal = std::max(r.bytesTotal, r.bytesDone);
        r.bytesPerSecond = p.bytesPerSecond;
        if (p.bytesPerSecond > 0)
          r.etaSeconds = double(r.bytesTotal - r.bytesDone) / p.bytesPerSecond;
        else if (i == partCount - 1)
          r.etaSeconds = p.etaSeconds;
        post([this, r] {
          if (!running_ || running_->id != r.presetId) return;
          entries_[r.presetId].progress = r;
          emit progress(r);
        });
      };
      Result<HubSnapshot> snapshot = downloadSnapshot(run->config, request, onProgress, stopped);
      if (!snapshot) {
        error = snapshot.error();
        if (error->kind == ErrorKind::AccessDenied && part.gated) {
          licenceUrl = QString::fromStdString(preset.licenceUrl.empty()
                                                  ? run->config.endpoint + "/" + part.repo
                                                  : preset.licenceUrl);
        }
        break;
      }
      doneBefore += std::max<quint64>(partTotal, snapshot->downloadedBytes + snapshot->reusedBytes);
    }
    if (!error) {
      Result<ModelLocation> found = presetLocation(preset, run->config.cacheDir);
      if (found)
        location = found.value();
      else
        error = found.error();
    }
  } catch (const std::exception& e) {
    error = makeError(ErrorKind::Internal, std::string("the download failed: ") + e.what());
  }

  // A stop asked for wins over an error it caused (an aborted transfer);
  // a download that completed anyway is kept.
  Stop stop = Stop::None;
  if (error && (stopped() || error->kind == ErrorKind::Cancelled)) {
    stop = run->stop.load() == static_cast<int>(Stop::Cancel) ? Stop::Cancel : Stop::Pause;
    if (stop == Stop::Cancel) deletePartials(preset, run->config.cacheDir, {});
    error.reset();
  }
  if (error)
    qCWarning(lcDownloads) << "download of" << run->id << "failed:" << errorKindName(error->kind)
                           << QString::fromStdString(error->message);
  const QString id = run->id;
  post([this, id, stop, error, licenceUrl, location] {
    onEnded(id, stop, error, licenceUrl, location);
  });
}

void ModelDownloads::onEnded(const QString& id, Stop stop, const std::optional<Error>& error,
                             const QString& licenceUrl,
                             const std::optional<ModelLocation>& location) {
  running_.reset();
  Entry& e = entries_[id];
  if (stop == Stop::Pause) {
    setSessionState(id, PresetState::Paused);
    emit paused(id);
  } else if (stop == Stop::Cancel) {
    e.session.reset();
    e.progress.reset();
    e.disk = DiskState{};  // its partial files are gone; a scan below says the rest
    ++e.epoch;
    emit cancelled(id);
    emit statusChanged(id);
    refresh();
  } else if (error) {
    e.error = error;
    e.licenceUrl = licenceUrl;
    setSessionState(id, PresetState::Failed);
    emit failed(id, *error, licenceUrl);
  } else {
    e.session.reset();
    e.progress.reset();
    e.disk.state = PresetState::Downloaded;
    e.disk.location = location;
    e.disk.partialBytes = 0;
    ++e.epoch;
    qCInfo(lcDownloads) << "downloaded" << id;
    emit statusChanged(id);
    emit finished(id, location.value_or(ModelLocation{}));
  }
  startNext();
}

bool ModelDownloads::pause(const QString& id) {
  if (running_ && running_->id == id) {
    running_->stop = static_cast<int>(Stop::Pause);  // `paused` once the worker has stopped
    return true;
  }
  auto queued = std::find(queue_.begin(), queue_.end(), id);
  if (queued == queue_.end()) return false;
  queue_.erase(queued);
  setSessionState(id, PresetState::Paused);
  emit paused(id);
  return true;
}

bool ModelDownloads::cancel(const QString& id) {
  const ModelPreset* p = preset(id);
  if (!p) return false;
  if (running_ && running_->id == id) {
    running_->stop = static_cast<int>(Stop::Cancel);  // the worker deletes the partial files
    return true;
  }
  auto queued = std::find(queue_.begin(), queue_.end(), id);
  if (queued != queue_.end()) queue_.erase(queued);
  Entry& e = entries_[id];
  e.session.reset();
  e.progress.reset();
  e.error.reset();
  e.licenceUrl.clear();
  const quint64 epoch = ++e.epoch;
  // Not the files the running download writes, when it shares a repository.
  std::vector<std::string> busy;
  if (running_) busy = presetRepos(running_->preset);
  const ModelPreset copy = *p;
  const std::string cache = hubConfig().cacheDir;
  const quint64 generation = generation_;
  ++diskJobs_;
  (void)QtConcurrent::run(&diskPool_, [this, copy, cache, busy, id, epoch, generation] {
    deletePartials(copy, cache, busy);
    DiskState disk = scanDisk(copy, cache);
    post([this, id, epoch, generation, disk] {
      --diskJobs_;
      if (generation != generation_) return;
      Entry& entry = entries_[id];
      if (entry.epoch == epoch) entry.disk = disk;
      emit cancelled(id);
      emit statusChanged(id);
    });
  });
  return true;
}

void ModelDownloads::refresh() {
  std::vector<std::pair<ModelPreset, quint64>> work;  // preset, epoch
  for (const ModelPreset& p : presets_)
    work.emplace_back(p, entries_[QString::fromStdString(p.id)].epoch);
  const std::string cache = hubConfig().cacheDir;
  const quint64 generation = generation_;
  ++diskJobs_;
  (void)QtConcurrent::run(&diskPool_, [this, work, cache, generation] {
    std::vector<std::pair<QString, DiskState>> found;
    for (const auto& [p, epoch] : work)
      found.emplace_back(QString::fromStdString(p.id), scanDisk(p, cache));
    post([this, work, found, generation] {
      --diskJobs_;
      if (generation != generation_) return;
      for (size_t i = 0; i < found.size(); ++i) {
        Entry& e = entries_[found[i].first];
        if (e.epoch != work[i].second) continue;  // the session changed it since
        e.disk = found[i].second;
        emit statusChanged(found[i].first);
      }
    });
  });
}

bool ModelDownloads::waitForIdle(int msecs) {
  QElapsedTimer timer;
  timer.start();
  while (isBusy() || diskJobs_ > 0) {
    if (timer.elapsed() > msecs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return true;
}

ModelDownloads::DiskState ModelDownloads::scanDisk(const ModelPreset& preset,
                                                   const std::string& cacheDir) {
  DiskState disk;
  try {
    Result<ModelLocation> location = presetLocation(preset, cacheDir);
    if (location) {
      disk.state = PresetState::Downloaded;
      disk.location = location.value();
    }
    std::error_code ec;
    for (const std::string& repo : presetRepos(preset)) {
      for (std::filesystem::directory_iterator it(blobsFolder(cacheDir, repo), ec), end;
           !ec && it != end; it.increment(ec)) {
        if (!isPartialFile(*it)) continue;
        std::error_code sizeError;
        const auto size = it->file_size(sizeError);
        if (!sizeError) disk.partialBytes += size;
      }
      ec.clear();
    }
  } catch (const std::exception& e) {
    qCWarning(lcDownloads) << "reading the cache failed:" << e.what();
  }
  if (disk.state != PresetState::Downloaded && disk.partialBytes > 0)
    disk.state = PresetState::Partial;
  return disk;
}

void ModelDownloads::deletePartials(const ModelPreset& preset, const std::string& cacheDir,
                                    const std::vector<std::string>& busyRepos) {
  for (const std::string& repo : presetRepos(preset)) {
    if (std::find(busyRepos.begin(), busyRepos.end(), repo) != busyRepos.end()) continue;
    std::error_code ec;
    std::vector<std::filesystem::path> partials;
    for (std::filesystem::directory_iterator it(blobsFolder(cacheDir, repo), ec), end;
         !ec && it != end; it.increment(ec))
      if (isPartialFile(*it)) partials.push_back(it->path());
    for (const auto& path : partials) {
      std::error_code removeError;
      if (!std::filesystem::remove(path, removeError) && removeError)
        qCWarning(lcDownloads) << "could not delete" << QString::fromStdString(path.string()) << ":"
                               << QString::fromStdString(removeError.message());
    }
  }
}

}  // namespace fd
