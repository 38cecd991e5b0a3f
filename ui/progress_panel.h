#pragma once
// Shows what the running job is doing: stage, step k of n with its time,
// an estimate of what is left, and a preview of the latent as it forms.

#include <QElapsedTimer>
#include <QWidget>

#include "pipeline/pipeline.h"

class QLabel;
class QProgressBar;

namespace fd::ui {

class ProgressPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ProgressPanel(QWidget* parent = nullptr);

  void start();
  void update(const Progress& progress);
  void finish(const QString& message);    // a job ended (the bar full)
  void showIdle(const QString& message);  // nothing running (the bar empty)
  QString statusText() const;
  bool hasPreview() const;

 private:
  QLabel* status_;
  QLabel* preview_;
  QProgressBar* bar_;
  QElapsedTimer clock_;
  double stepSecondsSum_ = 0;
  int stepsSeen_ = 0;
};

}  // namespace fd::ui
