#include "settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSpinBox>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include "app_settings.h"
#include "service/model_choice.h"

namespace fd::ui {

namespace {

QWidget* withBrowse(QLineEdit* edit, QWidget* parent, const QString& title) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  auto* browse = new QPushButton(QObject::tr("Browse…"), row);
  layout->addWidget(browse);
  QObject::connect(browse, &QPushButton::clicked, edit, [edit, parent, title] {
    QString dir = QFileDialog::getExistingDirectory(parent, title, edit->text());
    if (!dir.isEmpty()) edit->setText(dir);
  });
  return row;
}

void selectData(QComboBox* box, const QString& value) {
  int i = box->findData(value);
  box->setCurrentIndex(i >= 0 ? i : 0);
}

}  // namespace

QString generateApiKey() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  QString key = QStringLiteral("fd-");
  auto* rng = QRandomGenerator::system();  // the OS's cryptographic source
  for (int i = 0; i < 40; ++i) key += QLatin1Char(alphabet[rng->bounded(64)]);
  return key;
}

SettingsDialog::SettingsDialog(AppSettings& settings, QWidget* parent)
    : QDialog(parent), settings_(settings) {
  setWindowTitle(tr("FluxDesk settings"));
  setObjectName(QStringLiteral("settingsDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout();

  modelFolder_ = new QLineEdit(settings.modelFolder(), this);
  modelFolder_->setObjectName(QStringLiteral("modelFolderEdit"));
  // A model chosen in the Models window is a preset (files from several
  // repositories in the Hugging Face cache), not a folder.
  modelFolder_->setPlaceholderText(
      settings.modelPreset().isEmpty()
          ? tr("empty: the built-in demo model")
          : tr("empty: the downloaded model %1 (Models window)").arg(settings.modelPreset()));
  form->addRow(tr("Model folder"),
               withBrowse(modelFolder_, this, tr("Choose a FLUX.1-schnell folder")));
  modelReport_ = new QLabel(this);
  modelReport_->setObjectName(QStringLiteral("modelReport"));
  modelReport_->setWordWrap(true);
  modelReport_->setTextFormat(Qt::RichText);
  modelReport_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  modelReport_->setMinimumWidth(520);
  form->addRow(QString(), modelReport_);

  const EngineOptions engine = settings.engineOptions();
  device_ = new QComboBox(this);
  device_->addItem(tr("Automatic (GPU when available)"), QStringLiteral("auto"));
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  device_->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
  selectData(device_, engine.device == DevicePreference::Cpu    ? QStringLiteral("cpu")
                      : engine.device == DevicePreference::Cuda ? QStringLiteral("cuda")
                                                                : QStringLiteral("auto"));
  form->addRow(tr("Device"), device_);

  dtype_ = new QComboBox(this);
  dtype_->addItem(
      tr("Automatic (bfloat16 weights; float32 compute where the CPU is slow at bfloat16)"),
      QStringLiteral("auto"));
  dtype_->addItem(QStringLiteral("bfloat16"), QStringLiteral("bfloat16"));
  dtype_->addItem(QStringLiteral("float32"), QStringLiteral("float32"));
  dtype_->addItem(tr("float16 (GPU only)"), QStringLiteral("float16"));
  selectData(dtype_, engine.dtype == DtypePreference::BFloat16  ? QStringLiteral("bfloat16")
                     : engine.dtype == DtypePreference::Float32 ? QStringLiteral("float32")
                     : engine.dtype == DtypePreference::Float16 ? QStringLiteral("float16")
                                                                : QStringLiteral("auto"));
  form->addRow(tr("Precision"), dtype_);

  memory_ = new QComboBox(this);
  memory_->addItem(tr("Automatic (from the model's size and this computer's memory)"),
                   QString::fromLatin1(memoryModeName(MemoryMode::Auto)));
  memory_->addItem(tr("Keep everything on the device"),
                   QString::fromLatin1(memoryModeName(MemoryMode::Resident)));
  memory_->addItem(tr("Release the text encoders after use"),
                   QString::fromLatin1(memoryModeName(MemoryMode::OffloadText)));
  memory_->addItem(tr("Stream transformer blocks (least GPU memory)"),
                   QString::fromLatin1(memoryModeName(MemoryMode::StreamBlocks)));
  selectData(memory_, QString::fromLatin1(memoryModeName(engine.memory)));
  form->addRow(tr("Memory"), memory_);

  threads_ = new QSpinBox(this);
  threads_->setRange(0, 256);
  threads_->setSpecialValueText(tr("one per core (%1)").arg(QThread::idealThreadCount()));
  threads_->setValue(engine.cpuThreads);
  form->addRow(tr("CPU threads"), threads_);

  library_ = new QLineEdit(settings.libraryFolder(), this);
  library_->setObjectName(QStringLiteral("libraryFolderEdit"));
  form->addRow(tr("Library folder"),
               withBrowse(library_, this, tr("Choose the image library folder")));

  lora_ = new QLineEdit(settings.loraFolder(), this);
  lora_->setObjectName(QStringLiteral("loraFolderEdit"));
  lora_->setPlaceholderText(tr("a folder of .safetensors LoRA files (empty: choose each file)"));
  form->addRow(tr("LoRA folder"),
               withBrowse(lora_, this, tr("Choose the folder of your LoRA files")));

  port_ = new QSpinBox(this);
  port_->setObjectName(QStringLiteral("portSpin"));
  port_->setRange(1, 65535);
  port_->setValue(settings.serverPort());
  form->addRow(tr("API port"), port_);

  auto* tokenRow = new QWidget(this);
  auto* tokenLayout = new QHBoxLayout(tokenRow);
  tokenLayout->setContentsMargins(0, 0, 0, 0);
  token_ = new QLineEdit(settings.serverToken(), tokenRow);
  token_->setObjectName(QStringLiteral("tokenEdit"));
  token_->setPlaceholderText(tr("empty: no key required"));
  auto* newToken = new QPushButton(tr("Generate"), tokenRow);
  newToken->setObjectName(QStringLiteral("generateTokenButton"));
  tokenLayout->addWidget(token_, 1);
  tokenLayout->addWidget(newToken);
  connect(newToken, &QPushButton::clicked, this, &SettingsDialog::generateToken);
  form->addRow(tr("API key"), tokenRow);

  origins_ = new QLineEdit(settings.allowedOrigins(), this);
  origins_->setPlaceholderText(tr("e.g. http://localhost:3000 (empty: browsers are refused)"));
  form->addRow(tr("Allowed web origins"), origins_);

  layout->addLayout(form);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    apply();
    accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  // Checked a moment after typing stops, not on every key.
  checkTimer_ = new QTimer(this);
  checkTimer_->setSingleShot(true);
  checkTimer_->setInterval(300);
  connect(checkTimer_, &QTimer::timeout, this, &SettingsDialog::checkModelFolder);
  connect(modelFolder_, &QLineEdit::textChanged, checkTimer_, qOverload<>(&QTimer::start));
  checkModelFolder();
}

void SettingsDialog::checkModelFolder() {
  const QString folder = modelFolder_->text().trimmed();
  if (folder.isEmpty() && !settings_.modelPreset().isEmpty()) {
    modelReport_->setText(
        tr("Using the downloaded model %1 (File → Models…). Choose a folder here to use "
           "other weights instead.")
            .arg(settings_.modelPreset().toHtmlEscaped()));
    return;
  }
  if (folder.isEmpty()) {
    modelReport_->setText(
        tr("No folder chosen: FluxDesk uses its built-in demo model, which draws abstract "
           "patterns. Choose a FLUX.1-schnell folder, or download a model (File → Models…), "
           "for real images."));
    return;
  }
  if (!QFileInfo(folder).isDir()) {
    modelReport_->setText(tr("✘ %1 is not a folder.").arg(folder.toHtmlEscaped()));
    return;
  }
  // Reads only safetensors headers and folder listings: quick enough to
  // run a moment after the user stops typing.
  const ModelFiles files = scanModelFolder(folder);
  QStringList lines;
  lines << (files.complete() ? tr("<b>✔ Complete FLUX.1 model</b> (%1 layout).")
                                   .arg(QString::fromStdString(files.layout).toHtmlEscaped())
                             : tr("<b>✘ Incomplete:</b> FluxDesk cannot run this folder yet."));
  const auto html = [](const std::string& text) {
    return QString::fromStdString(text).toHtmlEscaped();
  };
  for (const ComponentFiles* c : files.components()) {
    if (c->found) {
      lines << tr("✔ %1: %2").arg(html(c->name), html(c->path));
      continue;
    }
    QStringList places;
    for (const std::string& place : c->lookedIn) places << html(place);
    QString line = tr("✘ %1: missing").arg(html(c->name));
    if (!places.isEmpty()) line += tr(" — looked in %1").arg(places.join(QStringLiteral(", ")));
    lines << line;
    for (const std::string& note : c->notes)
      lines << QStringLiteral("&nbsp;&nbsp;&nbsp;• ") + html(note);
  }
  modelReport_->setText(lines.join(QStringLiteral("<br>")));
}

void SettingsDialog::browseModelFolder() {
  QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a FLUX.1-schnell folder"),
                                                  modelFolder_->text());
  if (!dir.isEmpty()) modelFolder_->setText(dir);
}

QString SettingsDialog::modelReport() const { return modelReport_->text(); }

void SettingsDialog::generateToken() { token_->setText(generateApiKey()); }

void SettingsDialog::apply() {
  settings_.setModelFolder(modelFolder_->text().trimmed());
  EngineOptions o;
  o.device = devicePreferenceFromName(device_->currentData().toString().toStdString())
                 .value_or(DevicePreference::Auto);
  o.dtype = dtypePreferenceFromName(dtype_->currentData().toString().toStdString())
                .value_or(DtypePreference::Auto);
  o.memory = memoryModeFromName(memory_->currentData().toString().toStdString())
                 .value_or(MemoryMode::Auto);
  o.cpuThreads = threads_->value();
  settings_.setEngineOptions(o);
  settings_.setLibraryFolder(library_->text().trimmed());
  settings_.setLoraFolder(lora_->text().trimmed());
  settings_.setServerPort(port_->value());
  settings_.setServerToken(token_->text().trimmed());
  settings_.setAllowedOrigins(origins_->text().trimmed());
  settings_.sync();
}

}  // namespace fd::ui
