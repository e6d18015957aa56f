#include "ModelDescription.h"

#include <QLocale>
#include <QObject>

#include "model/ModelConfig.h"

namespace flowpp::ui {

namespace {
QString tr(const char* text) { return QObject::tr(text); }

QString attentionWords(const ModelConfig& c) {
  int self = 0, stages = 0;
  for (const auto& s : c.flow.stages)
    if (!s.squeeze) ++stages, self += c.flow.attentionOf(s) == AttentionMode::Self;
  if (self == 0) return tr("no self-attention");
  if (self == stages) return tr("self-attention in every stage, so each pixel's change can depend on the whole image");
  return tr("self-attention in %1 of the %2 stages (where the image is smallest and attention is cheap)").arg(self).arg(stages);
}
}  // namespace

QString plainModelDescription(const ModelInfo& m) {
  ModelConfig c;
  try {
    c = ModelConfig::fromText(m.configJson.toStdString());
  } catch (const std::exception&) {
    return QObject::tr("<b>%1</b><br>%2 parameters · %3").arg(m.name, QLocale().toString(m.parameters), m.path);
  }
  int couplings = 0, stages = 0;
  for (const auto& s : c.flow.stages)
    if (!s.squeeze) couplings += s.couplings, ++stages;
  const QString images = QObject::tr("%1×%2 %3 images with %4 levels per %5 (%6 numbers per image)")
                             .arg(m.width).arg(m.height)
                             .arg(m.channels == 1 ? tr("grey") : tr("colour"))
                             .arg(1 << m.nBits)
                             .arg(m.channels == 1 ? tr("pixel") : tr("colour channel"))
                             .arg(m.channels * m.height * m.width);
  const QString coupling = c.flow.coupling == "mixlogistic"
                               ? QObject::tr("bends them with a mixture of %1 logistic curves (Flow++'s coupling)").arg(c.flow.components)
                               : tr("scales and shifts them (an affine coupling, as in RealNVP and Glow)");
  const QString dequant = c.dequantizer.variational()
                              ? tr("A second, smaller flow learns which noise to add to the whole-number pixel values before "
                                   "they are modelled (variational dequantization).")
                              : tr("Uniform noise is added to the whole-number pixel values before they are modelled (uniform "
                                   "dequantization).");
  QString text = QObject::tr("<b>%1</b> models %2.").arg(m.name, images);
  text += QObject::tr("<p><b>How it works.</b> %1 invertible coupling layers in %2 stages turn an image into Gaussian noise "
                      "and back. Each layer keeps half of the numbers and %3; a small network of %4 blocks with %5 channels "
                      "reads the kept half to decide how, with %6.</p>")
              .arg(couplings).arg(stages).arg(coupling).arg(c.flow.net.blocks).arg(c.flow.net.filters).arg(attentionWords(c));
  text += QObject::tr("<p><b>Dequantization.</b> %1</p>").arg(dequant);
  text += QObject::tr("<p><b>Size.</b> %1 parameters.").arg(QLocale().toString(m.parameters));
  if (!m.trainedNote.isEmpty()) text += QObject::tr(" <b>Trained:</b> %1.").arg(m.trainedNote);
  text += QObject::tr("</p><p><b>Runs on</b> %1. <b>File:</b> %2</p>").arg(m.device, m.path);
  return text;
}

}  // namespace flowpp::ui
