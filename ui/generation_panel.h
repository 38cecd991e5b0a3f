#pragma once
// The left-hand form: prompt, size (presets + custom), image count, steps,
// seed (random or fixed), Generate and Cancel. Produces a GenerationRequest;
// knows nothing about how it runs.

#include <QWidget>

#include "pipeline/pipeline.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace fd::ui {

class PromptEdit;

class GenerationPanel : public QWidget {
  Q_OBJECT
 public:
  explicit GenerationPanel(QWidget* parent = nullptr);

  // The request as the form stands; a random seed is drawn here when the
  // seed is not fixed, so the job and the gallery know the seed used.
  GenerationRequest currentRequest() const;
  QString validationProblem() const;  // empty when the form is valid

  void setSettings(const GenerationRequest& request);  // "reuse all settings"
  void setSeed(uint64_t seed);                         // fixes the seed
  void setMaxSteps(int maxSteps, int defaultSteps);
  void setBusy(bool running);                          // enables Cancel
  void setPromptNote(const QString& note);             // e.g. truncation warning

  PromptEdit* promptEdit() const { return prompt_; }
  QPushButton* generateButton() const { return generate_; }
  QPushButton* cancelButton() const { return cancel_; }

 signals:
  void generateRequested();
  void cancelRequested();

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
  bool updatingSize_ = false;
  bool stepsChosen_ = false;  // the user set the steps (keep them when the model loads)
};

}  // namespace fd::ui
