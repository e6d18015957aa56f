#include "JobProgress.h"

#include <QProgressBar>
#include <QPushButton>

namespace flowpp::ui {

bool showJobProgress(QProgressBar* bar, QPushButton* cancel, JobState state, qint64 done, qint64 total, bool shown) {
  const bool active = state == JobState::Waiting || state == JobState::Running;
  bar->setVisible(active && shown);
  cancel->setVisible(active && shown);
  bar->setRange(0, total > 0 ? 1000 : 0);
  if (total > 0) bar->setValue(int(1000 * done / total));
  return active;
}

}  // namespace flowpp::ui
