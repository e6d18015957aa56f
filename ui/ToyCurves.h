#pragma once
// The playground's training curves: NLL (nats) against steps for the mixture and the affine flow,
// with the target's own entropy as a dashed floor when it is known.
#include <QColor>
#include <QWidget>

#include <vector>

namespace flowpp::ui {

class ToyCurves : public QWidget {
  Q_OBJECT
 public:
  struct Series {
    QString name;
    QColor colour;
    std::vector<double> values;
  };
  explicit ToyCurves(QWidget* parent = nullptr);
  void setCurves(const std::vector<long long>& steps, const std::vector<Series>& series);
  QSize sizeHint() const override { return {260, 280}; }
  QSize minimumSizeHint() const override { return {150, 170}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  std::vector<long long> steps_;
  std::vector<Series> series_;
};

}  // namespace flowpp::ui
