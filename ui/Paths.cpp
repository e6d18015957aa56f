#include "Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace flowpp::ui {

QString modelsDirectory() {
  const QString installed = QCoreApplication::applicationDirPath() + "/../share/flowpp-studio/models";
  if (QFileInfo::exists(installed)) return QDir::cleanPath(installed);
  return QString(FLOWPP_MODELS_DIR);
}

}  // namespace flowpp::ui
