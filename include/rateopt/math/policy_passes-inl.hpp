// The per-policy passes, written once as templates over the value type V like the formulas of
// policy_formulas-inl.hpp (and included the same ways: by policy_passes.hpp for one policy, by
// host/optimise/backend/cpu_simd.cpp once per SIMD instruction set).  No include guard on purpose.
// The includer provides pass_argmax_point, has_group and group_entry for its V and Group.

/// Everything a pass needs of one policy (V = double, Group = int) or of a vector of policies.
template <class V, class Group>
struct PolicyDataOf {
  PolicyCoefficientsOf<V> coefficients;
  V d0, d1;     ///< demand parameters (see DemandKind)
  V lb, ub;     ///< box of the multiplier
  Group group;  ///< fairness group, −1 when the basis carries none
};

template <class V>
RATEOPT_HD void compact_terms(const PolicyCoefficientsOf<V>& c, V x, V m, V* t8) {
  basis_terms(c, x, m, t8, t8 + basis::global_count);
}

/// evaluate: the basis terms at the current multiplier.
template <class V, class Group, class Acc>
RATEOPT_HD void pass_evaluate(DemandKind kind, const PolicyDataOf<V, Group>& p, V m, Acc& acc) {
  V t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, demand_value(kind, p.d0, p.d1, m), m, t8);
  acc.add_terms(t8);
}

/// lagrangian_argmax: the global maximiser of h = ω·φ on the box; returns it (the trial point).
template <class V, class Group, class Acc>
RATEOPT_HD V pass_argmax(DemandKind kind, const PolicyDataOf<V, Group>& p, const double* omega, bool want_curvature,
                         Acc& acc) {
  const SeparableOf<V> s = separable_from_prices(p.coefficients, omega, p.group);
  const V m = pass_argmax_point(kind, p.d0, p.d1, s, p.lb, p.ub);
  const DemandOf<V> dm = demand(kind, p.d0, p.d1, m);
  const SeparableValueOf<V> v = separable_value(dm, s, m);
  V t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, dm.x, m, t8);
  acc.add_terms(t8);
  acc.add_h(v.h);
  // the projected gradient at the argmax (zero up to round-off; the certificate reports it)
  const V pg = vselect((m <= p.lb && v.dh < 0.0) || (m >= p.ub && v.dh > 0.0), V(0.0), v.dh);
  acc.add_newton_scalars(V(0.0), vabs(pg) / p.coefficients.wtc);
  if (want_curvature) {
    const MaskOf<V> inside = m > p.lb && m < p.ub && v.d2h < 0.0;
    if (vany(inside)) {
      V j8[basis::global_count + basis::per_group];
      basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
      acc.add_curvature(j8, vselect(inside, 1.0 / -v.d2h, V(0.0)), V(0.0));
      acc.count_free(inside);
    }
  }
  return m;
}

/// newton_system: gradient, curvature and the low-rank ingredients over the free policies.
template <class V, class Group, class Acc>
RATEOPT_HD void pass_newton_system(DemandKind kind, const PolicyDataOf<V, Group>& p, const double* omega, V m,
                                   Acc& acc) {
  const SeparableOf<V> s = separable_from_prices(p.coefficients, omega, p.group);
  const DemandOf<V> dm = demand(kind, p.d0, p.d1, m);
  const NewtonLocalOf<V> nl = newton_local(dm, separable_value(dm, s, m), s, m, p.lb, p.ub);
  if (!vany(nl.free)) return;
  acc.count_free(nl.free);
  const V scaled = vabs(nl.g) / p.coefficients.wtc;
  acc.add_newton_scalars(vselect(nl.free, nl.g * nl.g / nl.delta, V(0.0)), vselect(nl.free, scaled, V(0.0)));
  V j8[basis::global_count + basis::per_group];
  basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
  acc.add_curvature(j8, vselect(nl.free, 1.0 / nl.delta, V(0.0)), nl.g);
}

/// newton_trial: m + α·(g − j·z)/δ on the box for free policies (m elsewhere); returns the trial
/// point.  z is in the full basis layout.
template <class V, class Group, class Acc>
RATEOPT_HD V pass_newton_trial(DemandKind kind, const PolicyDataOf<V, Group>& p, const double* omega, const double* z,
                               double alpha, V m, Acc& acc) {
  const SeparableOf<V> s = separable_from_prices(p.coefficients, omega, p.group);
  const DemandOf<V> dm = demand(kind, p.d0, p.d1, m);
  const NewtonLocalOf<V> nl = newton_local(dm, separable_value(dm, s, m), s, m, p.lb, p.ub);
  V mt = m;
  if (vany(nl.free)) {
    V j8[basis::global_count + basis::per_group];
    basis_derivatives(p.coefficients, dm, m, j8, j8 + basis::global_count);
    V jz = 0.0;
    for (int k = 0; k < basis::global_count; ++k) jz = jz + j8[k] * z[k];
    if (has_group(p.group))
      for (int k = 0; k < basis::per_group; ++k) jz = jz + j8[basis::global_count + k] * group_entry(z, p.group, k);
    const V step = m + alpha * (nl.g - jz) / nl.delta;
    mt = vselect(nl.free, vselect(step < p.lb, p.lb, vselect(step > p.ub, p.ub, step)), m);
  }
  V t8[basis::global_count + basis::per_group];
  compact_terms(p.coefficients, demand_value(kind, p.d0, p.d1, mt), mt, t8);
  acc.add_terms(t8);
  return mt;
}
