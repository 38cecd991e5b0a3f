#pragma once
// The generation panel's input section: the input picture (thumbnail, name,
// size, mask share), Open / Match size / Clear, and the strength slider
// with a hint when the strength and step count make the picture vanish or
// leave no step. Shows the InputImage; does not own it.

#include <QWidget>

class QLabel;
class QPushButton;
class QSlider;

namespace fd::ui {

class InputImage;

class InputBox : public QWidget {
  Q_OBJECT
 public:
  InputBox(InputImage* input, QWidget* parent = nullptr);

  // 0..1 in steps of 0.05. Until the user moves it, it follows the mask:
  // kDefaultStrength without one, kDefaultInpaintStrength with one.
  double strength() const;
  void setStrength(double strength);  // counts as the user's choice
  void setSteps(int steps);           // for the hint
  QString hintText() const;
  QSlider* strengthSlider() const { return slider_; }

 signals:
  void openRequested();       // "Open…": choose a file
  void matchSizeRequested();  // "Match size": the request takes the input's size

 private:
  void onImageChanged();
  void onMaskChanged();
  void updateInfo();
  void updateHint();
  void showStrength(double strength);  // moves the slider without marking it chosen

  InputImage* input_;
  QWidget* empty_;    // shown without an input
  QWidget* details_;  // shown with one
  QLabel* thumbnail_;
  QLabel* info_;
  QSlider* slider_;
  QLabel* value_;
  QLabel* hint_;
  int steps_ = 4;
  bool chosen_ = false;  // the user set the strength
  bool updating_ = false;
};

}  // namespace fd::ui
