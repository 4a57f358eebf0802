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
//   count_free()
#pragma once

#include "rateopt/math/policy_math.hpp"

namespace rateopt {
namespace math {

/// Everything a pass needs of one policy.
struct PolicyData {
  PolicyCoefficients coefficients;
  double d0, d1;  ///< demand parameters (see DemandKind)
  double lb, ub;  ///< box of the multiplier
  int group;      ///< fairness group, −1 when the basis carries none
};

RATEOPT_HD void compact_terms(const PolicyCoefficients& c, double x, double m, double* t8) {
  basis_terms(c, x, m, t8, t8 + basis::global_count);
}

/// evaluate: the basis terms at the current multiplier.
template <class Acc>
RATEOPT_HD void pass_evaluate(DemandKind kind, const PolicyData& p, double m, Acc& acc) {
  double t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, demand_value(kind, p.d0, p.d1, m), m, t8);
  acc.add_terms(t8);
}

/// lagrangian_argmax: the global maximiser of h = ω·φ on the box; returns it (the trial point).
template <class Acc>
RATEOPT_HD double pass_argmax(DemandKind kind, const PolicyData& p, const double* omega, bool want_curvature,
                              Acc& acc) {
  const Separable s = separable_from_prices(p.coefficients, omega, p.group);
  const double m = separable_argmax(kind, p.d0, p.d1, s, p.lb, p.ub);
  const Demand dm = demand(kind, p.d0, p.d1, m);
  const SeparableValue v = separable_value(dm, s, m);
  double t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, dm.x, m, t8);
  acc.add_terms(t8);
  acc.add_h(v.h);
  // the projected gradient at the argmax (zero up to round-off; the certificate reports it)
  const double pg = (m <= p.lb && v.dh < 0.0) || (m >= p.ub && v.dh > 0.0) ? 0.0 : v.dh;
  acc.add_newton_scalars(0.0, (pg < 0 ? -pg : pg) / p.coefficients.wtc);
  if (want_curvature && m > p.lb && m < p.ub && v.d2h < 0.0) {
    double j8[basis::global_count + basis::per_group];
    basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
    acc.add_curvature(j8, 1.0 / -v.d2h, 0.0);
    acc.count_free();
  }
  return m;
}

/// newton_system: gradient, curvature and the low-rank ingredients over the free policies.
template <class Acc>
RATEOPT_HD void pass_newton_system(DemandKind kind, const PolicyData& p, const double* omega, double m, Acc& acc) {
  const Separable s = separable_from_prices(p.coefficients, omega, p.group);
  const Demand dm = demand(kind, p.d0, p.d1, m);
  const NewtonLocal nl = newton_local(dm, separable_value(dm, s, m), s, m, p.lb, p.ub);
  if (!nl.free) return;
  acc.count_free();
  const double scaled = (nl.g < 0 ? -nl.g : nl.g) / p.coefficients.wtc;
  acc.add_newton_scalars(nl.g * nl.g / nl.delta, scaled);
  double j8[basis::global_count + basis::per_group];
  basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
  acc.add_curvature(j8, 1.0 / nl.delta, nl.g);
}

/// newton_trial: m + α·(g − j·z)/δ on the box for free policies (m elsewhere); returns the trial
/// point.  z is in the full basis layout.
template <class Acc>
RATEOPT_HD double pass_newton_trial(DemandKind kind, const PolicyData& p, const double* omega, const double* z,
                                    double alpha, double m, Acc& acc) {
  const Separable s = separable_from_prices(p.coefficients, omega, p.group);
  const Demand dm = demand(kind, p.d0, p.d1, m);
  const NewtonLocal nl = newton_local(dm, separable_value(dm, s, m), s, m, p.lb, p.ub);
  double mt = m;
  if (nl.free) {
    double j8[basis::global_count + basis::per_group];
    basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
    double jz = 0.0;
    for (int k = 0; k < basis::global_count; ++k) jz += j8[k] * z[k];
    if (p.group >= 0)
      for (int k = 0; k < basis::per_group; ++k)
        jz += j8[basis::global_count + k] * z[basis::group_premium(p.group) + k];
    const double step = m + alpha * (nl.g - jz) / nl.delta;
    mt = step < p.lb ? p.lb : (step > p.ub ? p.ub : step);
  }
  double t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, demand_value(kind, p.d0, p.d1, mt), mt, t8);
  acc.add_terms(t8);
  return mt;
}

}  // namespace math
}  // namespace rateopt
