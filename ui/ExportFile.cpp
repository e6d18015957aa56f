#include "ExportFile.h"

#include <QSaveFile>

namespace flowpp::ui {

bool savePngAtomically(const QImage& image, const QString& path) {
  QSaveFile file(path);
  return !image.isNull() && file.open(QIODevice::WriteOnly) && image.save(&file, "PNG") && file.commit();
}

bool saveTextAtomically(const QString& path, const std::function<void(QTextStream&)>& write) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  QTextStream out(&file);
  write(out);
  out.flush();
  return out.status() == QTextStream::Ok && file.commit();
}

}  // namespace flowpp::ui
