#pragma once
// The "What am I looking at?" texts of the studio's tabs (rich text), one place to edit them.
#include <QString>

namespace flowpp::ui::explain {

QString samples();
QString interpolation();
QString likelihood();
QString dequantization();
QString layers();
QString training();
QString playground();
QString dequant1d();
QString compression();
QString directions();

}  // namespace flowpp::ui::explain
