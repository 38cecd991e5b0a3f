#pragma once
// The status bar's three fields: the model (and whether it is loaded),
// the device with its precision (plus GPU memory in use on CUDA, refreshed
// every few seconds), and the queue length.

#include <QObject>
#include <optional>

#include "pipeline/pipeline.h"

class QLabel;
class QStatusBar;
class QTimer;

namespace fd::ui {

class StatusLine : public QObject {
  Q_OBJECT
 public:
  explicit StatusLine(QStatusBar* bar);

  // `loaded`: info describes the loaded model (else what is known before loading).
  void setModel(const ModelInfo& info, bool loaded, bool demo);
  void setQueueLength(int pending);
  QString text() const;  // "Model: … | Device: … | Queue: …"

 private:
  void refreshDevice();

  QLabel* model_;
  QLabel* device_;
  QLabel* queue_;
  QTimer* gpuTimer_;
  ModelInfo info_;
  bool loaded_ = false;
};

// "3.2 GiB", "512 MiB".
QString formatBytes(qint64 bytes);

}  // namespace fd::ui
