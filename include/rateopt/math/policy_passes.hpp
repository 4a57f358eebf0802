// What one policy contributes to each kind of pass over the book.  Every backend runs these very
// functions (the CPU backend in a loop, the CUDA kernels one thread per policy), so the backends can
// only differ in the order in which they add the contributions up.
//
// The accumulator `Acc` receives the contributions in the compact layout of one policy: the five
// global basis entries followed by the three entries of the policy's own group (when the basis
// carries groups).  It provides:
//   add_terms(const double* t8)                    basis terms φ at the resulting multiplier
//   add_h(double h)                                the separable objective h at the argmax
//   add_curvature(const double* j8, double inv_delta, double g)   j jᵀ/δ and j·g/δ
//   add_newton_scalars(double g2_over_delta, double scaled_gradient)
//   count_free(bool counted)
// The passes are templates over the value type V like the formulas of policy_math.hpp: double for one
// policy, or the CPU backend's vector of policies, whose accumulator takes the same calls with vector
// arguments (policies a mask leaves out contribute zeros there).
#pragma once

#include "rateopt/math/policy_math.hpp"

namespace rateopt {
namespace math {

/// The maximiser of h on the box for one policy (the certified search of policy_math.hpp).  The
/// vector path overloads this for its lanes.
RATEOPT_HD double pass_argmax_point(DemandKind kind, double d0, double d1, const Separable& s, double lb, double ub) {
  return separable_argmax(kind, d0, d1, s, lb, ub);
}

#include "rateopt/math/policy_passes-inl.hpp"  // IWYU pragma: export

using PolicyData = PolicyDataOf<double, int>;

}  // namespace math
}  // namespace rateopt
