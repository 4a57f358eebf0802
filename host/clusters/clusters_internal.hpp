// The cluster problem's integer termination units, shared by the exact solver, the QUBO and checks.
#pragma once

#include <cstdint>
#include <vector>

#include "rateopt/clusters.hpp"

namespace rateopt {

/// Terminations of option j of cluster i, w_ij = P_i·α_ij·10^d / g, as exact integers (d = decimals of
/// the rates, g = gcd of all weights), and the capacity W = ⌊α_t·10^d·ΣP / g⌋: a choice meets the
/// target exactly when Σ w ≤ W.
struct TerminationUnits {
  std::vector<std::vector<int64_t>> weight;
  int64_t capacity = 0;
  double unit = 0;  ///< policy-percent per unit
};
TerminationUnits termination_units(const ClusterProblem& p, double target_percent);

}  // namespace rateopt
