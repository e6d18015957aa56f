#pragma once
#include <QString>

namespace flowpp::ui {

// The models folder: installed (<prefix>/share/flowpp-studio/models) or the source tree's.
QString modelsDirectory();

}  // namespace flowpp::ui
