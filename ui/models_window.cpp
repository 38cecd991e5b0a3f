#include "models_window.h"

#include <QDialogButtonBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "app_settings.h"
#include "pipeline/pipeline.h"
#include "preset_row.h"
#include "service/model_downloads.h"

namespace fd::ui {

namespace {
const char* kTokensPage = "https://huggingface.co/settings/tokens";
}

quint64 gpuMemoryFromModelInfo(const ModelInfo& info) {
  if (info.device.rfind("cuda", 0) != 0) return 0;
  static const QRegularExpression size(QStringLiteral("\\(([0-9]+(?:\\.[0-9]+)?) GiB\\)"));
  QRegularExpressionMatchIterator it =
      size.globalMatch(QString::fromStdString(info.deviceDescription));
  double gib = 0;
  while (it.hasNext()) gib = it.next().captured(1).toDouble();
  return quint64(gib * 1024.0 * 1024.0 * 1024.0);
}

ModelsWindow::ModelsWindow(AppSettings& settings, ModelDownloads* downloads, QWidget* parent)
    : QWidget(parent, Qt::Window), settings_(settings), downloads_(downloads) {
  setObjectName(QStringLiteral("modelsWindow"));
  setWindowTitle(tr("Models"));
  resize(780, 680);
  auto* layout = new QVBoxLayout(this);

  auto* intro = new QLabel(this);
  intro->setWordWrap(true);
  intro->setTextFormat(Qt::RichText);
  intro->setText(tr("Download a FLUX.1 [schnell] model from Hugging Face, then choose <b>Use this "
                    "model</b>. The "
                    "files go to the Hugging Face cache (%1), which the <tt>hf</tt> tool and other "
                    "apps share; "
                    "downloads go on while this window is closed.")
                     .arg(downloads_->cacheDir().toHtmlEscaped()));
  intro->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(intro);
  machine_ = new QLabel(this);
  machine_->setObjectName(QStringLiteral("machineLabel"));
  machine_->setWordWrap(true);
  layout->addWidget(machine_);

  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  rowsHost_ = new QWidget(scroll);
  rowsLayout_ = new QVBoxLayout(rowsHost_);
  scroll->setWidget(rowsHost_);
  layout->addWidget(scroll, 1);

  auto* diskRow = new QHBoxLayout();
  onDisk_ = new QLabel(this);
  onDisk_->setObjectName(QStringLiteral("onDiskLabel"));
  onDisk_->setWordWrap(true);
  diskRow->addWidget(onDisk_, 1);
  auto* folder = new QPushButton(tr("Use a folder on disk…"), this);
  folder->setObjectName(QStringLiteral("useFolderButton"));
  folder->setToolTip(tr("A FLUX.1-schnell folder or single files you already have (Settings)"));
  auto* demo = new QPushButton(tr("Use the demo model"), this);
  demo->setObjectName(QStringLiteral("useDemoButton"));
  demo->setToolTip(tr("The built-in demo model: tiny, draws abstract patterns"));
  diskRow->addWidget(folder);
  diskRow->addWidget(demo);
  layout->addLayout(diskRow);
  connect(folder, &QPushButton::clicked, this, &ModelsWindow::chooseFolderRequested);
  connect(demo, &QPushButton::clicked, this, &ModelsWindow::useDemoRequested);

  // Other complete models in the cache (downloaded by the hf tool, another app).
  auto* localRow = new QHBoxLayout();
  localList_ = new QListWidget(this);
  localList_->setObjectName(QStringLiteral("localModelsList"));
  localList_->setMaximumHeight(90);
  localList_->setVisible(false);
  useLocal_ = new QPushButton(tr("Use the selected model"), this);
  useLocal_->setObjectName(QStringLiteral("useLocalButton"));
  useLocal_->setVisible(false);
  useLocal_->setEnabled(false);
  localRow->addWidget(localList_, 1);
  localRow->addWidget(useLocal_, 0, Qt::AlignTop);
  layout->addLayout(localRow);
  connect(localList_, &QListWidget::currentRowChanged, this,
          [this](int r) { useLocal_->setEnabled(r >= 0); });
  connect(useLocal_, &QPushButton::clicked, this, [this] {
    if (QListWidgetItem* item = localList_->currentItem())
      emit useFolderRequested(item->data(Qt::UserRole).toString());
  });
  connect(&localWatcher_, &QFutureWatcher<std::vector<LocalModel>>::finished, this, [this] {
    localList_->clear();
    for (const LocalModel& m : localWatcher_.result()) {
      if (m.kind == "preset" || !m.complete || m.location.folder.empty()) continue;
      auto* item = new QListWidgetItem(
          tr("%1 (%2)").arg(QString::fromStdString(m.name), formatSize(m.bytesOnDisk)), localList_);
      item->setData(Qt::UserRole, QString::fromStdString(m.location.folder));
      item->setToolTip(QString::fromStdString(m.location.folder));
    }
    localList_->setVisible(localList_->count() > 0);
    useLocal_->setVisible(localList_->count() > 0);
    useLocal_->setEnabled(localList_->currentRow() >= 0);
    updateOnDisk();
    if (rescan_) {
      rescan_ = false;
      scanLocalModels();
    }
  });

  auto* tokenBox = new QGroupBox(tr("Hugging Face token (for gated models)"), this);
  auto* tokenLayout = new QVBoxLayout(tokenBox);
  auto* tokenRow = new QHBoxLayout();
  token_ = new QLineEdit(settings_.hubToken(), tokenBox);
  token_->setObjectName(QStringLiteral("hubTokenEdit"));
  token_->setEchoMode(QLineEdit::Password);
  token_->setPlaceholderText(tr("hf_… (only gated models need one)"));
  auto* getToken = new QLabel(
      tr("<a href=\"%1\">Get a token</a>").arg(QString::fromLatin1(kTokensPage)), tokenBox);
  getToken->setObjectName(QStringLiteral("getTokenLink"));
  getToken->setTextFormat(Qt::RichText);
  getToken->setOpenExternalLinks(true);
  getToken->setTextInteractionFlags(Qt::TextBrowserInteraction);
  tokenRow->addWidget(token_, 1);
  tokenRow->addWidget(getToken);
  tokenLayout->addLayout(tokenRow);
  auto* tokenNote = new QLabel(tokenBox);
  tokenNote->setObjectName(QStringLiteral("tokenNote"));
  tokenNote->setWordWrap(true);
  tokenLayout->addWidget(tokenNote);
  layout->addWidget(tokenBox);
  const auto describeToken = [this, tokenNote] {
    const HubConfig config = downloads_->hubConfig();
    if (config.token && config.tokenSource != "settings")
      tokenNote->setText(
          tr("FluxDesk uses the token from %1 (it comes before this field), as the hf tool does.")
              .arg(QString::fromStdString(config.tokenSource)));
    else
      tokenNote->setText(
          tr("A read token of an account that accepted the model's licence. Saved in FluxDesk's "
             "settings; HF_TOKEN or `hf auth login` work too."));
  };
  downloads_->setSettingsToken(settings_.hubToken());
  describeToken();
  connect(token_, &QLineEdit::textChanged, this, [this, describeToken](const QString& text) {
    settings_.setHubToken(text.trimmed());
    downloads_->setSettingsToken(text.trimmed());
    describeToken();
  });

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QWidget::close);
  layout->addWidget(buttons);

  connect(downloads_, &ModelDownloads::presetsChanged, this, &ModelsWindow::rebuildRows);
  connect(downloads_, &ModelDownloads::statusChanged, this, [this](const QString& id) {
    if (PresetRow* r = row(id)) r->refresh();
    updateOnDisk();
  });
  connect(downloads_, &ModelDownloads::progress, this, [this](const PresetDownloadProgress& p) {
    if (PresetRow* r = row(p.presetId)) r->showProgress(p);
  });
  connect(downloads_, &ModelDownloads::finished, this, &ModelsWindow::scanLocalModels);
  rebuildRows();
  downloads_->refresh();  // the cache may have changed since (the hf tool, another FluxDesk)
  scanLocalModels();
}

void ModelsWindow::scanLocalModels() {
  if (localWatcher_.isRunning()) {
    rescan_ = true;
    return;
  }
  // Reads weights headers: never on the GUI thread.
  const QString cache = downloads_->cacheDir();
  localWatcher_.setFuture(QtConcurrent::run([cache] { return ModelDownloads::listLocal(cache); }));
}

void ModelsWindow::rebuildRows() {
  for (auto& [id, r] : rows_) delete r;
  rows_.clear();
  while (QLayoutItem* item = rowsLayout_->takeAt(0)) delete item;
  for (const ModelPreset& preset : downloads_->presets()) {
    auto* r = new PresetRow(preset, downloads_, rowsHost_);
    connect(r, &PresetRow::useRequested, this, &ModelsWindow::useModelRequested);
    rowsLayout_->addWidget(r);
    rows_[r->presetId()] = r;
  }
  rowsLayout_->addStretch(1);
  setCurrentPreset(current_);
  updateRecommendation();
  updateOnDisk();
}

PresetRow* ModelsWindow::row(const QString& presetId) const {
  auto it = rows_.find(presetId);
  return it == rows_.end() ? nullptr : it->second;
}

void ModelsWindow::setMachine(quint64 ramBytes, quint64 gpuBytes) {
  ramBytes_ = ramBytes;
  gpuBytes_ = gpuBytes;
  updateRecommendation();
}

void ModelsWindow::setCurrentPreset(const QString& id) {
  current_ = id;
  for (auto& [rowId, r] : rows_) r->setInUse(rowId == id);
}

void ModelsWindow::updateRecommendation() {
  QString text = ramBytes_ ? tr("This computer: %1 of memory available").arg(formatSize(ramBytes_))
                           : tr("This computer: available memory unknown");
  text += gpuBytes_ ? tr(", a GPU with %1.").arg(formatSize(gpuBytes_)) : tr(".");
  recommended_ = downloads_->recommendedPreset(ramBytes_, gpuBytes_);
  if (ramBytes_ && recommended_.isEmpty())
    text += tr(" None of these models fits in that memory; the smallest may still run, slowly.");
  machine_->setText(text);
  for (auto& [id, r] : rows_) r->setRecommended(id == recommended_);
}

void ModelsWindow::updateOnDisk() {
  QStringList names;
  for (const ModelPreset& preset : downloads_->presets())
    if (downloads_->status(QString::fromStdString(preset.id)).state == PresetState::Downloaded)
      names << QString::fromStdString(preset.title);
  QString text = names.isEmpty() ? tr("None of these models is on disk yet.")
                                 : tr("Already on disk: %1.").arg(names.join(QStringLiteral(", ")));
  if (localList_->count() > 0)
    text += QLatin1Char(' ') + tr("Other FLUX.1 models in the Hugging Face cache:");
  onDisk_->setText(text);
}

QString ModelsWindow::onDiskText() const { return onDisk_->text(); }

}  // namespace fd::ui
