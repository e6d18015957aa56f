// flowpp-studio: the Flow++ Studio desktop application (all of it lives in ui/).
#include <QApplication>
#include <QCommandLineParser>

#include "MainWindow.h"
#include "util/Runtime.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("FlowppStudio");
  QApplication::setApplicationName("Flow++ Studio");
  QApplication::setApplicationVersion(FLOWPP_VERSION);
  QCommandLineParser parser;
  parser.setApplicationDescription("Explore Flow++ models: sampling, interpolation, likelihood maps, dequantization, "
                                   "training, the 2-D playground and the layers of a flow.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption model({"m", "model"}, "Model or checkpoint to open.", "path");
  QCommandLineOption data({"d", "data"}, "Data set to open.", "path");
  parser.addOption(model);
  parser.addOption(data);
  parser.process(app);

  flowpp::configureRuntime();
  flowpp::ui::MainWindow window;
  window.show();
  window.openStartupModel(parser.value(model));
  if (parser.isSet(data)) window.openDataset(parser.value(data));
  return app.exec();
}
