#include "generation_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "input_box.h"
#include "input_image.h"
#include "lora_picker.h"
#include "pipeline/request_validation.h"
#include "prompt_edit.h"
#include "size_presets.h"

namespace fd::ui {

namespace {
QSpinBox* sideSpin(QWidget* parent, const QString& name) {
  auto* spin = new QSpinBox(parent);
  spin->setRange(kRequestLimits.minSide, kRequestLimits.maxSide);
  spin->setSingleStep(kRequestLimits.sideMultiple);
  spin->setSuffix(QStringLiteral(" px"));
  spin->setObjectName(name);
  return spin;
}
}  // namespace

GenerationPanel::GenerationPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  prompt_ = new PromptEdit(this);
  prompt_->setMinimumHeight(110);
  layout->addWidget(new QLabel(tr("Prompt"), this));
  layout->addWidget(prompt_, 1);
  promptNote_ = new QLabel(this);
  promptNote_->setObjectName(QStringLiteral("promptNote"));
  promptNote_->setWordWrap(true);
  promptNote_->setVisible(false);
  layout->addWidget(promptNote_);

  auto* form = new QFormLayout();
  preset_ = new QComboBox(this);
  preset_->setObjectName(QStringLiteral("sizePreset"));
  for (const auto& p : sizePresets()) preset_->addItem(p.label);
  preset_->addItem(tr("Custom"));
  form->addRow(tr("Size"), preset_);

  auto* custom = new QHBoxLayout();
  width_ = sideSpin(this, QStringLiteral("widthSpin"));
  height_ = sideSpin(this, QStringLiteral("heightSpin"));
  custom->addWidget(width_);
  custom->addWidget(new QLabel(QStringLiteral("×"), this));
  custom->addWidget(height_);
  form->addRow(QString(), custom);

  count_ = new QSpinBox(this);
  count_->setObjectName(QStringLiteral("countSpin"));
  count_->setRange(1, kRequestLimits.maxImagesPerRequest);
  form->addRow(tr("Images"), count_);

  steps_ = new QSpinBox(this);
  steps_->setObjectName(QStringLiteral("stepsSpin"));
  steps_->setRange(1, 4);
  steps_->setValue(4);
  form->addRow(tr("Steps"), steps_);

  auto* seedRow = new QHBoxLayout();
  randomSeed_ = new QCheckBox(tr("Random"), this);
  randomSeed_->setObjectName(QStringLiteral("randomSeed"));
  randomSeed_->setChecked(true);
  seed_ = new QLineEdit(this);
  seed_->setObjectName(QStringLiteral("seedEdit"));
  seed_->setValidator(
      new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), seed_));
  seed_->setPlaceholderText(tr("drawn at each run"));
  seed_->setEnabled(false);
  seedRow->addWidget(randomSeed_);
  seedRow->addWidget(seed_, 1);
  form->addRow(tr("Seed"), seedRow);
  layout->addLayout(form);

  input_ = new InputImage(this);
  auto* inputGroup = new QGroupBox(tr("Input image"), this);
  auto* inputLayout = new QVBoxLayout(inputGroup);
  inputBox_ = new InputBox(input_, inputGroup);
  inputBox_->setSteps(steps_->value());
  inputLayout->addWidget(inputBox_);
  layout->addWidget(inputGroup);
  auto* loraGroup = new QGroupBox(tr("LoRAs"), this);
  auto* loraLayout = new QVBoxLayout(loraGroup);
  loras_ = new LoraPicker(loraGroup);
  loraLayout->addWidget(loras_);
  layout->addWidget(loraGroup);

  auto* buttons = new QHBoxLayout();
  generate_ = new QPushButton(tr("Generate"), this);
  generate_->setObjectName(QStringLiteral("generateButton"));
  generate_->setDefault(true);
  generate_->setToolTip(tr("Queue a generation (Ctrl+Enter)"));
  cancel_ = new QPushButton(tr("Cancel"), this);
  cancel_->setObjectName(QStringLiteral("cancelButton"));
  cancel_->setEnabled(false);
  cancel_->setToolTip(tr("Cancel the running generation"));
  buttons->addWidget(generate_, 1);
  buttons->addWidget(cancel_);
  layout->addLayout(buttons);

  connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this,
          &GenerationPanel::onPresetChanged);
  connect(width_, qOverload<int>(&QSpinBox::valueChanged), this,
          &GenerationPanel::onCustomSizeChanged);
  connect(height_, qOverload<int>(&QSpinBox::valueChanged), this,
          &GenerationPanel::onCustomSizeChanged);
  connect(steps_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int steps) {
    stepsChosen_ = true;
    inputBox_->setSteps(steps);
  });
  connect(inputBox_, &InputBox::openRequested, this, &GenerationPanel::openInputRequested);
  connect(inputBox_, &InputBox::matchSizeRequested, this, &GenerationPanel::matchInputSize);
  // A new picture brings its size (what the CLI does without --size).
  connect(input_, &InputImage::imageChanged, this, [this] {
    if (input_->isSet() && !applyingSettings_) matchInputSize();
  });
  connect(randomSeed_, &QCheckBox::toggled, this, [this](bool random) {
    seed_->setEnabled(!random);
    if (!random && seed_->text().isEmpty())
      seed_->setText(QString::number(QRandomGenerator::global()->bounded(1u << 31)));
  });
  connect(prompt_, &PromptEdit::submitRequested, this, &GenerationPanel::generateRequested);
  connect(generate_, &QPushButton::clicked, this, &GenerationPanel::generateRequested);
  connect(cancel_, &QPushButton::clicked, this, &GenerationPanel::cancelRequested);

  preset_->setCurrentIndex(0);
  onPresetChanged(0);
}

void GenerationPanel::onPresetChanged(int index) {
  const auto& presets = sizePresets();
  if (index < 0 || index >= presets.size()) return;  // "Custom": keep the spin boxes
  updatingSize_ = true;
  width_->setValue(presets[index].width);
  height_->setValue(presets[index].height);
  updatingSize_ = false;
}

void GenerationPanel::onCustomSizeChanged() {
  if (updatingSize_) return;
  int index = presetIndexFor(width_->value(), height_->value());
  preset_->blockSignals(true);
  preset_->setCurrentIndex(index >= 0 ? index : preset_->count() - 1);
  preset_->blockSignals(false);
}

QString GenerationPanel::validationProblem() const {
  if (prompt_->toPlainText().trimmed().isEmpty()) return tr("Type a prompt first.");
  if (!randomSeed_->isChecked() && seed_->text().isEmpty())
    return tr("Enter a seed or tick Random.");
  // Every other rule is the engine's one validator's, with its message.
  if (auto problem = findRequestProblem(currentRequest(), model_)) {
    QString message = QString::fromStdString(problem->message);
    if (!message.isEmpty()) message[0] = message[0].toUpper();
    return message + QLatin1Char('.');
  }
  return {};
}

GenerationRequest GenerationPanel::currentRequest() const {
  GenerationRequest r;
  r.prompt = prompt_->toPlainText().trimmed().toStdString();
  r.width = width_->value();
  r.height = height_->value();
  r.count = count_->value();
  r.steps = steps_->value();
  if (randomSeed_->isChecked())
    r.seed = QRandomGenerator::global()->bounded(static_cast<quint64>(1) << 32);
  else
    r.seed = seed_->text().toULongLong();
  r.source = input_->source();
  if (r.source) r.strength = inputBox_->strength();
  r.loras = loras_->loras();
  return r;
}

void GenerationPanel::matchInputSize() {
  if (!input_->isSet()) return;
  const auto [width, height] = defaultSizeForSource(input_->width(), input_->height());
  updatingSize_ = true;
  width_->setValue(width);
  height_->setValue(height);
  updatingSize_ = false;
  onCustomSizeChanged();
}

void GenerationPanel::setSettings(const GenerationRequest& request) {
  prompt_->setPlainText(QString::fromStdString(request.prompt));
  applyingSettings_ = true;  // the request's size wins over the picture's
  if (request.source)
    input_->set(*request.source);
  else
    input_->clear();
  applyingSettings_ = false;
  if (request.source && request.strength) inputBox_->setStrength(*request.strength);
  loras_->setLoras(request.loras);
  updatingSize_ = true;
  width_->setValue(request.width);
  height_->setValue(request.height);
  updatingSize_ = false;
  onCustomSizeChanged();
  count_->setValue(request.count);
  if (request.steps > 0) {
    steps_->setMaximum(std::max(steps_->maximum(), request.steps));
    steps_->setValue(request.steps);
  }
  if (request.seed) setSeed(*request.seed);
}

void GenerationPanel::setSeed(uint64_t seed) {
  randomSeed_->setChecked(false);
  seed_->setText(QString::number(seed));
}

void GenerationPanel::setModel(const ModelInfo& model) {
  model_ = model;
  const int maxSteps = model.maxSteps, defaultSteps = model.defaultSteps;
  // The model's default replaces ours only while the user has not chosen.
  const bool chosen = stepsChosen_;
  steps_->setRange(1, std::max(1, maxSteps));
  if (!chosen) steps_->setValue(std::clamp(defaultSteps, 1, std::max(1, maxSteps)));
  stepsChosen_ = chosen;
}

void GenerationPanel::setBusy(bool running) { cancel_->setEnabled(running); }

void GenerationPanel::setPromptNote(const QString& note) {
  promptNote_->setText(note);
  promptNote_->setVisible(!note.isEmpty());
}

}  // namespace fd::ui
