#include "status_line.h"

#include <QLabel>
#include <QStatusBar>
#include <QTimer>

#include "plural.h"
#include "service/machine_memory.h"

namespace fd::ui {

QString formatBytes(qint64 bytes) {
  constexpr double kMiB = 1024.0 * 1024.0;
  if (bytes >= 1024 * 1024 * 1024LL)
    return QStringLiteral("%1 GiB").arg(bytes / (kMiB * 1024.0), 0, 'f', 1);
  return QStringLiteral("%1 MiB").arg(qRound64(bytes / kMiB));
}

StatusLine::StatusLine(QStatusBar* bar) : QObject(bar) {
  model_ = new QLabel(bar);
  model_->setObjectName(QStringLiteral("modelStatus"));
  device_ = new QLabel(bar);
  device_->setObjectName(QStringLiteral("deviceStatus"));
  queue_ = new QLabel(bar);
  queue_->setObjectName(QStringLiteral("queueStatus"));
  bar->addWidget(model_, 1);
  bar->addPermanentWidget(device_);
  bar->addPermanentWidget(queue_);
  // GPU memory changes while a job runs; the figures are cheap to read.
  gpuTimer_ = new QTimer(this);
  gpuTimer_->setInterval(2000);
  connect(gpuTimer_, &QTimer::timeout, this, &StatusLine::refreshDevice);
  setQueueLength(0);
}

void StatusLine::setModel(const ModelInfo& info, bool loaded, bool demo) {
  info_ = info;
  loaded_ = loaded;
  // Before loading, the name is only the folder's; the demo's is ours.
  QString name = demo && !loaded ? tr("FluxDesk demo") : QString::fromStdString(info.name);
  if (demo && !name.contains(QStringLiteral("demo"), Qt::CaseInsensitive)) name += tr(" (demo)");
  model_->setText(loaded ? tr("Model: %1").arg(name) : tr("Model: %1 (loading…)").arg(name));
  model_->setToolTip(loaded ? QString::fromStdString(info.id)
                            : tr("The model loads in the background."));
  refreshDevice();
}

void StatusLine::refreshDevice() {
  if (!loaded_ || info_.device.empty()) {
    device_->setText(tr("Device: not loaded yet"));
    gpuTimer_->stop();
    return;
  }
  const std::string& where =
      info_.deviceDescription.empty() ? info_.device : info_.deviceDescription;
  QString text =
      tr("Device: %1, %2").arg(QString::fromStdString(where), QString::fromStdString(info_.dtype));
  const bool cuda = info_.device.rfind("cuda", 0) == 0;
  if (cuda) {
    const GpuMemoryInUse gpu = gpuMemoryInUse();
    if (gpu.known)
      text += tr(" · GPU memory %1 in use (peak %2)")
                  .arg(formatBytes(gpu.allocatedBytes), formatBytes(gpu.peakReservedBytes));
    if (!gpuTimer_->isActive()) gpuTimer_->start();
  } else {
    gpuTimer_->stop();
  }
  device_->setText(text);
  // Why these dtypes (the GPU, the user's choice, or this CPU's bfloat16 speed).
  device_->setToolTip(QString::fromStdString(info_.dtypeReason + "\nmemory mode " +
                                             info_.memoryMode + " (" + info_.memoryReason + ")"));
}

void StatusLine::setQueueLength(int pending) {
  queue_->setText(pending == 0 ? tr("Queue: empty")
                               : tr("Queue: %1").arg(countOf(pending, tr("1 job"), tr("%1 jobs"))));
}

QString StatusLine::text() const {
  return model_->text() + QStringLiteral(" | ") + device_->text() + QStringLiteral(" | ") +
         queue_->text();
}

}  // namespace fd::ui
