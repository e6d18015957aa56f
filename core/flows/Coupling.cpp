#include "flows/Coupling.h"

#include "flows/AffineCoupling.h"
#include "flows/MixLogisticCoupling.h"

namespace flowpp {

ConditioningNetOptions CouplingOptions::netOptions(int64_t outPerChannel) const {
  return ConditioningNetOptions(channels(), channels() * outPerChannel, height(), width())
      .filters(filters())
      .blocks(blocks())
      .heads(heads())
      .contextChannels(contextChannels())
      .attention(attention())
      .dropout(dropout())
      .weightNorm(weightNorm());
}

std::shared_ptr<CouplingImpl> makeCoupling(const CouplingOptions& options) {
  if (options.components() == 0) return std::make_shared<AffineCouplingImpl>(options);
  return std::make_shared<MixLogisticCouplingImpl>(options);
}

}  // namespace flowpp
