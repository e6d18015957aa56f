#pragma once
// The model as a newcomer can read it: what images it models, how the flow is built, how it was
// trained, in plain words (View ▸ Model…). The config's own notes and the JSON are the details.
#include <QString>

#include "SessionTypes.h"

namespace flowpp::ui {

QString plainModelDescription(const ModelInfo& info);  // rich text

}  // namespace flowpp::ui
