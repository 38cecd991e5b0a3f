#pragma once
// The visible job queue: the running job first, then the waiting ones,
// each with its source (gui/api) and state; any of them can be cancelled.

#include <QHash>
#include <QWidget>

#include "service/job_types.h"

class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace fd {
class JobQueue;
}

namespace fd::ui {

class QueuePanel : public QWidget {
  Q_OBJECT
 public:
  explicit QueuePanel(JobQueue* queue, QWidget* parent = nullptr);
  int visibleJobs() const;
  QListWidget* list() const { return list_; }

 private:
  void onJobAdded(const fd::JobInfo& job);
  void onJobStarted(quint64 id);
  void onJobProgress(quint64 id, const fd::Progress& progress);
  void onJobFinished(quint64 id, const fd::JobOutcome& outcome);
  void cancelSelected();
  void updateItem(QListWidgetItem* item, const QString& state, const QString& detail);

  JobQueue* queue_;
  QListWidget* list_;
  QPushButton* cancel_;
  QHash<quint64, QListWidgetItem*> items_;
  QHash<quint64, QString> titles_;
};

}  // namespace fd::ui
