#include "ExportFigure.h"

#include <QApplication>
#include <QPainter>
#include <QTextDocument>

#include "ColourBar.h"

namespace flowpp::ui {

QImage exportFigure(const QImage& picture, const QString& caption, int magnify, const ColourScale* scale) {
  const QImage big = picture.scaled(picture.size() * magnify, Qt::IgnoreAspectRatio, Qt::FastTransformation);
  ColourBar bar(scale ? scale->unit : QString());
  if (scale) {
    bar.setRange(scale->lo, scale->hi, scale->decimals);
    bar.resize(bar.sizeHint().width(), std::max(80, big.height()));
  }
  const int margin = 8, barWidth = scale ? bar.width() + margin : 0;
  const int width = std::max(big.width() + barWidth + 2 * margin, 320);
  QTextDocument text;
  text.setDefaultFont(QApplication::font());
  text.setPlainText(caption);
  text.setTextWidth(width - 2 * margin);
  QImage out(width, margin + std::max(big.height(), scale ? bar.height() : 0) + margin + int(text.size().height()) + margin,
             QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter p(&out);
  p.drawImage(margin, margin, big);
  if (scale) bar.render(&p, QPoint(margin + big.width() + margin, margin), QRegion(), QWidget::DrawChildren);
  p.translate(margin, out.height() - margin - text.size().height());
  text.drawContents(&p);
  return out;
}

}  // namespace flowpp::ui
