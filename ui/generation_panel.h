#pragma once
// The left-hand form: prompt, size (presets + custom), image count, steps,
// seed (random or fixed), the input picture and strength (InputBox), LoRAs
// (LoraPicker), Generate and Cancel. Produces a GenerationRequest; knows
// nothing about how it runs.

#include <QWidget>

#include "pipeline/pipeline.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace fd::ui {

class InputBox;
class InputImage;
class LoraPicker;
class PromptEdit;

class GenerationPanel : public QWidget {
  Q_OBJECT
 public:
  explicit GenerationPanel(QWidget* parent = nullptr);

  // The request as the form stands; a random seed is drawn here when the
  // seed is not fixed, so the job and the gallery know the seed used.
  GenerationRequest currentRequest() const;
  QString validationProblem() const;  // empty when the form is valid

  // "Reuse all settings": the input picture (with its mask), strength and
  // LoRAs too; a request without a source clears the input.
  void setSettings(const GenerationRequest& request);
  void setSeed(uint64_t seed);  // fixes the seed
  // The loaded model: its step range and default, and the model the
  // request validator judges the form against.
  void setModel(const ModelInfo& model);
  void setBusy(bool running);               // enables Cancel
  void setPromptNote(const QString& note);  // e.g. truncation warning

  // The size of the input picture (fd::defaultSizeForSource); done by
  // itself when a picture is opened.
  void matchInputSize();

  PromptEdit* promptEdit() const { return prompt_; }
  InputImage* inputImage() const { return input_; }
  InputBox* inputBox() const { return inputBox_; }
  LoraPicker* loraPicker() const { return loras_; }
  QPushButton* generateButton() const { return generate_; }
  QPushButton* cancelButton() const { return cancel_; }

 signals:
  void generateRequested();
  void cancelRequested();
  void openInputRequested();  // the input box's "Open…"

 private:
  void onPresetChanged(int index);
  void onCustomSizeChanged();

  PromptEdit* prompt_;
  QLabel* promptNote_;
  QComboBox* preset_;
  QSpinBox* width_;
  QSpinBox* height_;
  QSpinBox* count_;
  QSpinBox* steps_;
  QCheckBox* randomSeed_;
  QLineEdit* seed_;
  QPushButton* generate_;
  QPushButton* cancel_;
  InputImage* input_;
  InputBox* inputBox_;
  LoraPicker* loras_;
  bool updatingSize_ = false;
  bool applyingSettings_ = false;  // setSettings sets the size itself
  ModelInfo model_;  // what validationProblem checks against (schnell's limits until a model loads)
  bool stepsChosen_ = false;  // the user set the steps (keep them when the model loads)
};

}  // namespace fd::ui
