#pragma once
// "What am I looking at?": a collapsible explanation above a tab, with the formula it shows and
// what to try. Folded by default; the choice is remembered per tab.
#include <QWidget>

class QLabel;
class QToolButton;

namespace flowpp::ui {

class ExplainBox : public QWidget {
  Q_OBJECT
 public:
  ExplainBox(const QString& key, const QString& html, QWidget* parent = nullptr);
  bool isExpanded() const;
  void setExpanded(bool expanded);

 private:
  QString key_;
  QToolButton* toggle_;
  QLabel* text_;
};

}  // namespace flowpp::ui
