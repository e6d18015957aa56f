#pragma once
// A long job's progress bar and Cancel button, shown while the job waits or runs.
#include <QtGlobal>

#include "SessionTypes.h"

class QProgressBar;
class QPushButton;

namespace flowpp::ui {

// Shows `bar` (done/total, busy when the total is unknown) and `cancel` while `state` is Waiting or
// Running and `shown`; hides them otherwise. Returns whether the job is active.
bool showJobProgress(QProgressBar* bar, QPushButton* cancel, JobState state, qint64 done, qint64 total, bool shown = true);

}  // namespace flowpp::ui
