#pragma once
// What the studio writes for the user (PNG pictures, CSV tables), all or nothing: the bytes go to
// a temporary file beside the target, which replaces the target only once it is complete (QSaveFile),
// so a full disk or a crash never leaves half a file where an old one was.
#include <QImage>
#include <QString>
#include <QTextStream>

#include <functional>

namespace flowpp::ui {

bool savePngAtomically(const QImage& image, const QString& path);
bool saveTextAtomically(const QString& path, const std::function<void(QTextStream&)>& write);

}  // namespace flowpp::ui
