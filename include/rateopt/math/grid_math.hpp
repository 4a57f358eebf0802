// Per-candidate mathematics of the price-grid mode, shared by the CPU backend and (later) CUDA kernels.
//
// Every portfolio quantity of a grid solve is a sum over policies of one "term" of the chosen
// candidate.  For policy i at candidate j (premium p, demand x, loss cost c, expense e, weight w,
// renewal flag r):
//   profit   w·(p − c − e)·x     gwp     w·p·x        claims  w·c·x
//   retained w·r·x                volume  w·x          extra q w·col_q (the column as given)
// Constraints and the Lagrangian are linear in the term sums, so a policy's Lagrangian choice for
// term prices ω is the candidate maximising ω·φ_ij, and
//   ω·φ = w·[x·(p·(ω_profit + ω_gwp) + c·(ω_claims − ω_profit) − e·ω_profit + r·ω_retained + ω_volume)
//            + Σ_q ω_q·col_q].
#pragma once

#include "rateopt/math/hd.hpp"

namespace rateopt {
namespace math {
namespace grid_term {
inline constexpr int profit = 0, gwp = 1, claims = 2, retained = 3, volume = 4, first_extra = 5;
}  // namespace grid_term

/// One candidate's own numbers (the policy's weight and renewal flag included).
struct GridCandidate {
  double weight, premium, demand, loss_cost, expense;
  bool renewal;
};

/// The part of ω·φ that one policy's candidates share when its costs are the same on each row:
/// ω·φ = w·(x·(p·slope + intercept) + extra_price), so a pass costs two loads and a few flops per
/// candidate.
struct GridPriceLine {
  double slope, intercept;
};

RATEOPT_HD GridPriceLine grid_price_line(const double* omega, double loss_cost, double expense, bool renewal) {
  using namespace grid_term;
  return {omega[profit] + omega[gwp], loss_cost * (omega[claims] - omega[profit]) - expense * omega[profit] +
                                          (renewal ? omega[retained] : 0.0) + omega[volume]};
}

/// ω·φ of a candidate on its policy's line; extra_price = Σ_q ω_{first_extra+q}·col_q of its row.
RATEOPT_HD double grid_price_on_line(const GridPriceLine& line, double weight, double premium, double demand,
                                     double extra_price) {
  return weight * (demand * (premium * line.slope + line.intercept) + extra_price);
}

/// ω·φ of a candidate; extra_price = Σ_q ω_{first_extra+q}·col_q of its row (the caller's storage).
RATEOPT_HD double grid_price(const double* omega, const GridCandidate& c, double extra_price) {
  return grid_price_on_line(grid_price_line(omega, c.loss_cost, c.expense, c.renewal), c.weight, c.premium, c.demand,
                            extra_price);
}

/// The fixed terms φ_0..φ_4 of a candidate into out[0..4].
RATEOPT_HD void grid_fixed_terms(const GridCandidate& c, double* out) {
  using namespace grid_term;
  const double wx = c.weight * c.demand;
  out[profit] = wx * (c.premium - c.loss_cost - c.expense);
  out[gwp] = wx * c.premium;
  out[claims] = wx * c.loss_cost;
  out[retained] = c.renewal ? wx : 0.0;
  out[volume] = wx;
}

}  // namespace math
}  // namespace rateopt
