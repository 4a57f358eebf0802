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

/// ω·φ of a candidate; extra_price = Σ_q ω_{first_extra+q}·col_q of its row (the caller's storage).
RATEOPT_HD double grid_price(const double* omega, const GridCandidate& c, double extra_price) {
  using namespace grid_term;
  const double per_demand = c.premium * (omega[profit] + omega[gwp]) + c.loss_cost * (omega[claims] - omega[profit]) -
                            c.expense * omega[profit] + (c.renewal ? omega[retained] : 0.0) + omega[volume];
  return c.weight * (c.demand * per_demand + extra_price);
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
