// Which candidates can win a policy's argmax while the multipliers stay in a box.  Near the dual's
// optimum most candidates of a policy cannot: passes restricted to the rows that can ("windows") read a
// few rows per policy instead of all K and give the same answers as full passes inside the box.
#pragma once

#include <cstdint>
#include <vector>

#include "rateopt/grid.hpp"

namespace rateopt {

/// Term prices as an affine function of the multipliers: ω(λ) = base + Σ_k λ_k·direction[k].
struct GridOmegaMap {
  std::vector<double> base;
  std::vector<std::vector<double>> direction;
};

/// Per policy, the rows [offset + window[2i], offset + window[2i+1]) that hold every candidate which
/// can maximise ω(λ)·φ for some λ with lower ≤ λ ≤ upper: a candidate is left out only when the policy's
/// best candidate at the box's centre beats it at every corner of the box by a margin far above
/// rounding, so a pass over the windows picks the same rows as a full pass anywhere in the box.
std::vector<uint32_t> grid_argmax_windows(const GridBook& grid, const GridOmegaMap& map,
                                          const std::vector<double>& lower, const std::vector<double>& upper,
                                          int threads);

}  // namespace rateopt
