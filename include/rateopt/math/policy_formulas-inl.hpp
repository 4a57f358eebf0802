// The per-policy formulas, written once as templates over the value type V (see policy_math.hpp):
// V = double for one policy (the CUDA kernels and the scalar CPU path instantiate this file inside
// rateopt::math, through policy_math.hpp), or a vector of policies (host/optimise/backend/cpu_simd.cpp
// includes it once per SIMD instruction set, inside that instruction set's namespace, so the vector
// code is compiled for it).  No include guard on purpose, and no #include: the includer provides
// DemandKind, basis::, MaskOf and the lane operations vexp, vlog, vselect, vany for its V.
// Per-policy choices are written with vselect: both sides are evaluated and the unselected one may be
// inf or NaN (it is discarded).  A branch on vany(mask) only skips work no lane needs.

template <class V>
RATEOPT_HD V vabs(V x) {
  return vselect(x < 0.0, -x, x);
}

/// x, dx/dm and d²x/dm² at one multiplier.
template <class V>
struct DemandOf {
  V x;
  V dx;
  V d2x;
};

/// Logistic x = 1/(1+e^u) written to stay finite for large |u| (and inside every exp's range):
/// e^(−u)/(1+e^(−u)) for u > 0.
template <class V>
RATEOPT_HD V logistic_of(V u) {
  const V e = vexp(-vabs(u));
  return vselect(u > 0.0, e / (1.0 + e), 1.0 / (1.0 + e));
}

template <class V>
RATEOPT_HD V demand_value(DemandKind kind, V d0, V d1, V m) {
  if (kind == DemandKind::log_linear) return d0 * vexp(d1 * vlog(m));
  return logistic_of(d0 + d1 * m);
}

template <class V>
RATEOPT_HD DemandOf<V> demand(DemandKind kind, V d0, V d1, V m) {
  DemandOf<V> r;
  if (kind == DemandKind::log_linear) {
    // x = x0·m^ε, x' = ε·x/m, x'' = ε(ε−1)·x/m²
    r.x = d0 * vexp(d1 * vlog(m));
    r.dx = d1 * r.x / m;
    r.d2x = d1 * (d1 - 1.0) * r.x / (m * m);
  } else {
    // x = σ(−u), u = α+βm: x' = −β·x(1−x), x'' = β²·x(1−x)(1−2x)
    const V x = logistic_of(d0 + d1 * m);
    const V xq = x * (1.0 - x);
    r.x = x;
    r.dx = -d1 * xq;
    r.d2x = d1 * d1 * xq * (1.0 - 2.0 * x);
  }
  return r;
}

/// Coefficients of h(m) = x(m)·(A·m + B) + D·m for one policy.
template <class V>
struct SeparableOf {
  V A;
  V B;
  V D;
};

/// h, h' and h'' at m.
template <class V>
struct SeparableValueOf {
  V h;
  V dh;
  V d2h;
};

template <class V>
RATEOPT_HD SeparableValueOf<V> separable_value(const DemandOf<V>& dm, const SeparableOf<V>& s, V m) {
  const V lin = s.A * m + s.B;
  SeparableValueOf<V> v;
  v.h = dm.x * lin + s.D * m;
  v.dh = dm.dx * lin + s.A * dm.x + s.D;
  v.d2h = dm.d2x * lin + 2.0 * s.A * dm.dx;
  return v;
}

template <class V>
RATEOPT_HD V separable_h(DemandKind kind, V d0, V d1, const SeparableOf<V>& s, V m) {
  return demand_value(kind, d0, d1, m) * (s.A * m + s.B) + s.D * m;
}

template <class V>
RATEOPT_HD V separable_dh(DemandKind kind, V d0, V d1, const SeparableOf<V>& s, V m) {
  const DemandOf<V> dm = demand(kind, d0, d1, m);
  return dm.dx * (s.A * m + s.B) + s.A * dm.x + s.D;
}

/// One policy's weighted data as the basis terms use it (w = weight).
template <class V>
struct PolicyCoefficientsOf {
  V wtc;  ///< w·tc
  V wc;   ///< w·c
  V we;   ///< w·e
  V wr;   ///< w·[renewal]
  V wv;   ///< w·claims_variance
};

/// Coefficients (A, B, D) of h(m) = ω·φ(m) for prices ω on the basis sums; group < 0 when the
/// basis carries no groups.
template <class V, class Group>
RATEOPT_HD SeparableOf<V> separable_from_prices(const PolicyCoefficientsOf<V>& p, const double* omega,
                                                const Group& group) {
  V wg = omega[basis::gwp], wc = omega[basis::claims], wp = 0.0;
  if (has_group(group)) {
    wg = wg + group_entry(omega, group, 1);
    wc = wc + group_entry(omega, group, 2);
    wp = group_entry(omega, group, 0);
  }
  SeparableOf<V> s;
  s.A = p.wtc * wg;
  s.B = p.wc * wc + p.we * omega[basis::expense] + p.wr * omega[basis::renewal] + p.wv * omega[basis::variance];
  s.D = p.wtc * wp;
  return s;
}

/// Basis terms φ(m) of one policy: global[0..5) and its group's three terms group3[0..3).
template <class V>
RATEOPT_HD void basis_terms(const PolicyCoefficientsOf<V>& p, V x, V m, V* global, V* group3) {
  global[basis::gwp] = p.wtc * m * x;
  global[basis::claims] = p.wc * x;
  global[basis::expense] = p.we * x;
  global[basis::renewal] = p.wr * x;
  global[basis::variance] = p.wv * x;
  group3[0] = p.wtc * m;
  group3[1] = global[basis::gwp];
  group3[2] = global[basis::claims];
}

/// dφ/dm of one policy, laid out as basis_terms.
template <class V>
RATEOPT_HD void basis_derivatives(const PolicyCoefficientsOf<V>& p, const DemandOf<V>& dm, V m, V* global, V* group3) {
  global[basis::gwp] = p.wtc * (dm.x + m * dm.dx);
  global[basis::claims] = p.wc * dm.dx;
  global[basis::expense] = p.we * dm.dx;
  global[basis::renewal] = p.wr * dm.dx;
  global[basis::variance] = p.wv * dm.dx;
  group3[0] = p.wtc;
  group3[1] = global[basis::gwp];
  group3[2] = global[basis::claims];
}

/// One policy's part of a projected-Newton step: gradient g = h'(m), curvature δ and whether the
/// policy is free (not held on a bound by a gradient pointing outwards).  δ = max(|h''|, floor):
/// where h is locally convex or its curvature cancels, the floor (1% of the size of the terms that
/// make up h'') keeps the step from exploding while still going uphill.
template <class V>
struct NewtonLocalOf {
  V g;
  V delta;
  MaskOf<V> free;
};

template <class V>
RATEOPT_HD NewtonLocalOf<V> newton_local(const DemandOf<V>& dm, const SeparableValueOf<V>& v, const SeparableOf<V>& s,
                                         V m, V lb, V ub) {
  NewtonLocalOf<V> n;
  n.g = v.dh;
  const V lin = s.A * m + s.B;
  const V terms = vabs(dm.d2x * lin) + 2.0 * vabs(s.A * dm.dx);
  const V floor = 1e-2 * terms;
  const V curvature = vabs(v.d2h);
  n.delta = vselect(curvature > floor, curvature, floor);
  const MaskOf<V> held = (m <= lb && n.g <= 0.0) || (m >= ub && n.g >= 0.0);
  n.free = !held && n.delta > 0.0;
  return n;
}

/// Whether two values of a maximisation agree to a relative 1e-12 (a tie to round-off).
template <class V>
RATEOPT_HD MaskOf<V> values_near(V a, V b) {
  const V scale = vselect(vabs(a) > vabs(b), vabs(a), vabs(b));
  return vabs(a - b) <= 1e-12 * scale;
}

/// The maximiser and whether it is a tie (see BestPoint).
template <class V>
struct ArgmaxOf {
  V m;
  MaskOf<V> tie;
};

/// Global maximiser of h(m) = x0·m^ε·(A·m + B) on [lb, ub] (log-linear demand, D = 0: every book
/// without fairness groups), in closed form: h' = x0·m^(ε−1)·(A(ε+1)m + Bε) changes sign at most once,
/// at m* = −Bε/(A(ε+1)).  Written for a vector of policies as for one (see the head of this file).
template <class V>
RATEOPT_HD ArgmaxOf<V> log_linear_argmax_closed_form(V d0, V d1, const SeparableOf<V>& s, V lb, V ub) {
  const V slope = s.A * (d1 + 1.0);
  const V bd = s.B * d1;
  // slope < 0: m* is the maximum, clamped to the box
  const V mstar = -s.B * d1 / slope;
  const V clamped = vselect(mstar <= lb, lb, vselect(mstar >= ub, ub, mstar));
  // slope = 0: h is monotone (or constant: every m ties)
  V best = vselect(bd > 0.0, ub, lb);
  MaskOf<V> tie = bd == 0.0;
  const MaskOf<V> rising = slope > 0.0;
  if (vany(rising)) {
    // m* is a minimum (or outside): the best point is a bound
    const V h_lb = separable_h(DemandKind::log_linear, d0, d1, s, lb);
    const V h_ub = separable_h(DemandKind::log_linear, d0, d1, s, ub);
    best = vselect(rising, vselect(h_ub >= h_lb, ub, lb), best);
    tie = (rising && values_near(h_ub, h_lb)) || (!rising && tie);
  }
  const MaskOf<V> falling = slope<0.0, box = ub> lb;
  ArgmaxOf<V> r;
  r.m = vselect(box, vselect(falling, clamped, best), ub);
  r.tie = box && !falling && tie;
  return r;
}
