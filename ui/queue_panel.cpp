#include "queue_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "plural.h"
#include "service/job_queue.h"

namespace fd::ui {

QueuePanel::QueuePanel(JobQueue* queue, QWidget* parent) : QWidget(parent), queue_(queue) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  header_ = new QLabel(this);
  header_->setObjectName(QStringLiteral("queueHeader"));
  layout->addWidget(header_);
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("queueList"));
  list_->setMinimumHeight(64);
  list_->setSelectionMode(QAbstractItemView::NoSelection);
  layout->addWidget(list_, 1);

  connect(queue_, &JobQueue::jobAdded, this, &QueuePanel::onJobAdded);
  connect(queue_, &JobQueue::jobStarted, this, &QueuePanel::onJobStarted);
  connect(queue_, &JobQueue::jobProgress, this, &QueuePanel::onJobProgress);
  connect(queue_, &JobQueue::jobFinished, this, &QueuePanel::onJobFinished);
  for (const JobInfo& job : queue_->jobs()) onJobAdded(job);
  updateHeader();
}

int QueuePanel::visibleJobs() const { return list_->count(); }

QToolButton* QueuePanel::cancelButtonFor(quint64 id) const {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : it->cancel;
}

QString QueuePanel::rowText(quint64 id) const {
  auto it = rows_.find(id);
  return it == rows_.end() ? QString() : it->label->text();
}

void QueuePanel::onJobAdded(const JobInfo& job) {
  if (rows_.contains(job.id)) return;
  const auto& r = job.request;
  QString prompt = QString::fromStdString(r.prompt).simplified();
  Row row;
  row.prompt = prompt;
  row.title = tr("%1×%2 ×%3 · from %4").arg(r.width).arg(r.height).arg(r.count).arg(job.source);
  row.tooltip = QString::fromStdString(r.prompt) + QStringLiteral("\n") + row.title;

  auto* widget = new QWidget(list_);
  auto* line = new QHBoxLayout(widget);
  line->setContentsMargins(4, 1, 4, 1);
  row.label = new QLabel(widget);
  row.label->setToolTip(row.tooltip);
  row.cancel = new QToolButton(widget);
  row.cancel->setText(tr("Cancel"));
  row.cancel->setToolTip(tr("Cancel this job"));
  row.cancel->setObjectName(QStringLiteral("cancelJob%1").arg(job.id));
  line->addWidget(row.label, 1);
  line->addWidget(row.cancel);
  const quint64 id = job.id;
  connect(row.cancel, &QToolButton::clicked, this, [this, id] {
    if (queue_->cancel(id)) {
      auto it = rows_.find(id);
      if (it != rows_.end()) {
        it->cancel->setEnabled(false);
        setRowState(*it, tr("cancelling"), {});
      }
    }
  });

  setRowState(row, job.state == JobState::Running ? tr("running") : tr("waiting"), {});
  row.item = new QListWidgetItem(list_);
  row.item->setSizeHint(widget->sizeHint());  // two lines of text
  list_->setItemWidget(row.item, widget);
  rows_.insert(id, row);
  updateHeader();
}

void QueuePanel::onJobStarted(quint64 id) {
  auto it = rows_.find(id);
  if (it != rows_.end()) setRowState(*it, tr("running"), {});
}

void QueuePanel::onJobProgress(quint64 id, const Progress& p) {
  auto it = rows_.find(id);
  if (it == rows_.end() || !it->cancel->isEnabled()) return;
  QString detail = p.stage == Stage::Denoising ? tr("step %1/%2").arg(p.step).arg(p.totalSteps)
                                               : QString::fromLatin1(stageName(p.stage));
  setRowState(*it, tr("running"), detail);
}

void QueuePanel::onJobFinished(quint64 id, const JobOutcome&) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return;
  delete it->item;  // also deletes its row widget
  rows_.erase(it);
  updateHeader();
}

void QueuePanel::setRowState(Row& row, const QString& state, const QString& detail) {
  // Two lines: the state (and step), then the prompt with size, count and
  // source, shortened to the row's width.
  QString first = QStringLiteral("<b>%1</b>").arg(state.toHtmlEscaped());
  if (!detail.isEmpty()) first += QStringLiteral(" ") + detail.toHtmlEscaped();
  const int width = std::max(120, list_->viewport()->width() - row.cancel->sizeHint().width() - 24);
  const QString second = row.label->fontMetrics().elidedText(
      row.prompt + QStringLiteral(" · ") + row.title, Qt::ElideMiddle, width);
  row.label->setText(first + QStringLiteral("<br>") + second.toHtmlEscaped());
}

void QueuePanel::updateHeader() {
  header_->setText(
      rows_.isEmpty()
          ? tr("Queue: nothing waiting")
          : tr("Queue: %1").arg(countOf(int(rows_.size()), tr("1 job"), tr("%1 jobs"))));
}

}  // namespace fd::ui
