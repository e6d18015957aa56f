#include "flows/Coupling.h"

#include "flows/AffineCoupling.h"
#include "flows/MixLogisticCoupling.h"

namespace flowpp {

ConditioningNetOptions CouplingOptions::netOptions(int64_t outPerChannel) const {
  return ConditioningNetOptions(channels(), channels() * outPerChannel, height(), width()).net(net());
}

std::shared_ptr<CouplingImpl> makeCoupling(const CouplingOptions& options) {
  if (options.components() == 0) return std::make_shared<AffineCouplingImpl>(options);
  return std::make_shared<MixLogisticCouplingImpl>(options);
}

}  // namespace flowpp
