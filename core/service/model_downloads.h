#pragma once
// Downloads of model presets (hub/model_presets.h) into the shared Hugging
// Face cache, for the Models window. One preset at a time runs on a private
// worker thread, its parts one after another through fd::downloadSnapshot
// (each part's include globs); more downloads wait in a queue. pause()
// stops and keeps the partial files, so resume() continues them (Range
// requests); cancel() stops and deletes them. What the cache already holds
// of each preset (downloaded, partly downloaded, nothing) is read on a
// worker too, by refresh().
//
// Threads: the object lives on the GUI thread and is called from there;
// every signal is emitted on that thread, through its event loop. The
// destructor pauses a running download (partial files kept) and waits for
// the worker. Qt Core only, torch-free.

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/result.h"
#include "hub/hub_config.h"
#include "hub/local_models.h"
#include "hub/model_presets.h"
#include "weights/model_location.h"

namespace fd {

struct PresetDownloadProgress {
  QString presetId;
  int partIndex = 0;  // 0-based
  int partCount = 0;
  QString part;   // the part's role ("transformer", "t5", ...)
  QString repo;   // "org/name" of the part
  QString stage;  // "starting", then downloadSnapshot's: "resolving", "listing", "downloading", ...
  QString file;   // repo path of the current file
  quint64 partBytesDone = 0;
  quint64 partBytesTotal = 0;
  // Over the whole preset, files already in the cache included. The total
  // is the preset's download size until the parts' own listings say more.
  quint64 bytesDone = 0;
  quint64 bytesTotal = 0;
  double bytesPerSecond = 0;  // of the transfer, smoothed
  double etaSeconds = -1;     // for the whole preset; -1 when unknown
};

enum class PresetState {
  NotDownloaded,  // nothing of it in the cache
  Partial,        // partial files in the cache (an interrupted download): resume continues them
  Queued,         // waiting for another download to end
  Downloading,
  Paused,      // paused in this session (partial files kept)
  Downloaded,  // presetLocation finds every file
  Failed,      // the last download failed (error says why)
};
const char* presetStateName(PresetState state);  // "not-downloaded", "partial", ...

struct PresetStatus {
  PresetState state = PresetState::NotDownloaded;
  std::optional<PresetDownloadProgress> progress;  // the latest report (Downloading, Paused)
  std::optional<Error> error;                      // Failed: why
  // Failed with AccessDenied on a gated part: the page to accept the licence at
  QString licenceUrl;
  std::optional<ModelLocation> location;  // Downloaded: where its files are
  quint64 partialBytes = 0;               // partial files of its repositories in the cache
};

class ModelDownloads : public QObject {
  Q_OBJECT
 public:
  // `presets`: what can be downloaded (tests pass their own).
  explicit ModelDownloads(std::vector<ModelPreset> presets = modelPresets(),
                          QObject* parent = nullptr);
  // Pauses a running download (partial files kept) and waits for the worker.
  ~ModelDownloads() override;

  const std::vector<ModelPreset>& presets() const { return presets_; }
  // Replaces the list (while nothing downloads; false otherwise), then
  // refresh(). Emits presetsChanged.
  bool setPresets(std::vector<ModelPreset> presets);
  const ModelPreset* preset(const QString& id) const;

  // The token saved in the app's settings (lowest priority after HF_TOKEN
  // and the hub's token file: see hub_config.h). Used from the next start.
  void setSettingsToken(const QString& token);
  QString settingsToken() const { return settingsToken_; }
  // hubConfigFromEnvironment with the settings token (endpoint, cache).
  HubConfig hubConfig() const;
  QString cacheDir() const;
  // Where downloaded preset `id`'s files are (hub/model_presets.h's
  // presetLocation). ModelMissing naming it when it is unknown or not (fully)
  // downloaded.
  Result<ModelLocation> locationOf(const QString& id) const;
  // The models already on this machine (the hub cache's other repositories,
  // ComfyUI folders): hub/local_models.h. Reads the disk; safe on any thread.
  static std::vector<LocalModel> listLocal(const QString& cacheDir);
  // The preset recommended for a machine with this much memory and GPU
  // memory (0: unknown; hub's recommendPreset); empty when none fits or
  // both are 0.
  QString recommendedPreset(quint64 ramBytes, quint64 gpuBytes) const;

  // Starts (or queues behind the running one) the download of preset `id`;
  // continues its partial files. False for an unknown id or one that is
  // already queued or downloading.
  bool download(const QString& id);
  bool resume(const QString& id) { return download(id); }
  // Stops the download (or takes it off the queue), keeping the partial
  // files: state Paused, then `paused`. False when it is neither running
  // nor queued.
  bool pause(const QString& id);
  // Stops the download (or takes it off the queue, or forgets a pause) and
  // deletes the partial files of its repositories: `cancelled`, then the
  // state the cache says. False for an unknown id.
  bool cancel(const QString& id);
  // Reads the cache again on a worker; statusChanged for each preset.
  void refresh();

  PresetStatus status(const QString& id) const;
  QString runningId() const;  // empty when none runs
  bool isBusy() const { return running_ != nullptr || !queue_.empty(); }
  // Test helper: processes events until nothing downloads, is queued or is
  // being scanned or cleaned up.
  bool waitForIdle(int msecs);

 signals:
  void presetsChanged();
  void statusChanged(const QString& presetId);
  void progress(const fd::PresetDownloadProgress& progress);
  void finished(const QString& presetId, const fd::ModelLocation& location);
  // AccessDenied on a gated part: `licenceUrl` is the page to accept the
  // licence at (the error's message says how to give a token). Else empty.
  void failed(const QString& presetId, const fd::Error& error, const QString& licenceUrl);
  void paused(const QString& presetId);
  void cancelled(const QString& presetId);

 private:
  enum class Stop { None, Pause, Cancel };
  struct Running;
  struct DiskState {
    PresetState state = PresetState::NotDownloaded;
    std::optional<ModelLocation> location;
    quint64 partialBytes = 0;
  };

  void startNext();
  void runDownload(const std::shared_ptr<Running>& run);  // worker thread
  void onEnded(const QString& id, Stop stop, const std::optional<Error>& error,
               const QString& licenceUrl, const std::optional<ModelLocation>& location);
  void setSessionState(const QString& id, PresetState state);
  // Deletes the partial files of the preset's repositories (worker thread),
  // skipping the repositories in `busyRepos`.
  static void deletePartials(const ModelPreset& preset, const std::string& cacheDir,
                             const std::vector<std::string>& busyRepos);
  static DiskState scanDisk(const ModelPreset& preset, const std::string& cacheDir);
  template <typename Fn>
  void post(Fn&& fn);

  std::vector<ModelPreset> presets_;
  QString settingsToken_;
  QThreadPool downloadPool_;  // one thread: the running download
  QThreadPool diskPool_;      // one thread: scans and clean-ups
  std::shared_ptr<Running> running_;
  std::deque<QString> queue_;
  // Per preset: the session's state (Queued, Downloading, Paused, Failed)
  // overrides what the disk says; `epoch` counts session changes so that a
  // scan started before one does not overwrite it.
  struct Entry {
    std::optional<PresetState> session;
    DiskState disk;
    std::optional<PresetDownloadProgress> progress;
    std::optional<Error> error;
    QString licenceUrl;
    quint64 epoch = 0;
  };
  std::map<QString, Entry> entries_;
  int diskJobs_ = 0;        // scans and clean-ups not yet delivered
  quint64 generation_ = 0;  // setPresets() count: older scans are dropped
};

}  // namespace fd

Q_DECLARE_METATYPE(fd::PresetDownloadProgress)
Q_DECLARE_METATYPE(fd::ModelLocation)
