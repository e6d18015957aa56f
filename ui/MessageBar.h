#pragma once
// A message strip above the tabs for errors and warnings that must not vanish: one clear sentence,
// optional details behind a button, kept until the user closes it or a later action replaces it.
#include <QFrame>

class QLabel;
class QPushButton;

namespace flowpp::ui {

class MessageBar : public QFrame {
  Q_OBJECT
 public:
  enum class Kind { Error, Warning, Information };
  explicit MessageBar(QWidget* parent = nullptr);
  void show(Kind kind, const QString& sentence, const QString& details = {});
  void clear();
  QString text() const;

 private:
  QLabel *icon_, *text_;
  QPushButton *details_, *close_;
  QString detailText_;
};

}  // namespace flowpp::ui
