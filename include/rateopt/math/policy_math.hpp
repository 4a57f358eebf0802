// Per-policy mathematics, shared verbatim by the CPU backend and the CUDA kernels.
//
// Every portfolio quantity is a sum over policies of a few "basis terms":
//   gwp      w·tc·m·x(m)        claims   w·c·x(m)        expense  w·e·x(m)
//   renewal  w·[renewal]·x(m)   variance w·var·x(m)
//   and, per fairness group g: premium w·tc·m, gwp_g, claims_g (the same terms restricted to g).
// Any linear combination of those terms with weights ("prices") on the basis sums is, for one policy,
//   h(m) = x(m)·(A·m + B) + D·m
// with three scalars A, B, D.  The Lagrangian of a separable problem and the gradient of the
// augmented-Lagrangian merit both have that form, so this header only needs demand, h and its
// derivatives, and the global maximiser of h on a box.
#pragma once

#include <cmath>

#include "rateopt/math/hd.hpp"

namespace rateopt {
namespace math {

/// Demand model.  Stored per policy as two prepared parameters (d0, d1):
///   log_linear: d0 = x0, d1 = ε,              x(m) = x0·m^ε
///   logistic:   d0 = α,  d1 = β (per unit m), x(m) = 1/(1+exp(α+β·m))
enum class DemandKind : int { log_linear = 0, logistic = 1 };

/// x, dx/dm and d²x/dm² at one multiplier.
struct Demand {
  double x;
  double dx;
  double d2x;
};

/// Logistic parameters from the book's (x0, ε): β = b·tc = −ε/(1−x0), α = ln(1/x0 − 1) − β,
/// so that x(1) = x0 and d ln x / d ln m = ε at m = 1.
RATEOPT_HD void logistic_parameters(double x0, double elasticity, double& alpha, double& beta) {
  beta = -elasticity / (1.0 - x0);
  alpha = std::log(1.0 / x0 - 1.0) - beta;
}

RATEOPT_HD double demand_value(DemandKind kind, double d0, double d1, double m) {
  if (kind == DemandKind::log_linear) return d0 * std::exp(d1 * std::log(m));
  return 1.0 / (1.0 + std::exp(d0 + d1 * m));
}

RATEOPT_HD Demand demand(DemandKind kind, double d0, double d1, double m) {
  Demand r;
  if (kind == DemandKind::log_linear) {
    // x = x0·m^ε, x' = ε·x/m, x'' = ε(ε−1)·x/m²
    r.x = d0 * std::exp(d1 * std::log(m));
    r.dx = d1 * r.x / m;
    r.d2x = d1 * (d1 - 1.0) * r.x / (m * m);
  } else {
    // x = σ(−u), u = α+βm: x' = −β·x(1−x), x'' = β²·x(1−x)(1−2x)
    const double u = d0 + d1 * m;
    // 1/(1+e^u) written to stay finite for large |u|
    const double x = u > 0 ? std::exp(-u) / (1.0 + std::exp(-u)) : 1.0 / (1.0 + std::exp(u));
    const double xq = x * (1.0 - x);
    r.x = x;
    r.dx = -d1 * xq;
    r.d2x = d1 * d1 * xq * (1.0 - 2.0 * x);
  }
  return r;
}

/// Coefficients of h(m) = x(m)·(A·m + B) + D·m for one policy.
struct Separable {
  double A;
  double B;
  double D;
};

/// h, h' and h'' at m.
struct SeparableValue {
  double h;
  double dh;
  double d2h;
};

RATEOPT_HD SeparableValue separable_value(const Demand& dm, const Separable& s, double m) {
  const double lin = s.A * m + s.B;
  SeparableValue v;
  v.h = dm.x * lin + s.D * m;
  v.dh = dm.dx * lin + s.A * dm.x + s.D;
  v.d2h = dm.d2x * lin + 2.0 * s.A * dm.dx;
  return v;
}

RATEOPT_HD double separable_h(DemandKind kind, double d0, double d1, const Separable& s, double m) {
  return demand_value(kind, d0, d1, m) * (s.A * m + s.B) + s.D * m;
}

RATEOPT_HD double separable_dh(DemandKind kind, double d0, double d1, const Separable& s, double m) {
  const Demand dm = demand(kind, d0, d1, m);
  return dm.dx * (s.A * m + s.B) + s.A * dm.x + s.D;
}

/// Layout of the basis sums T:
///   0 gwp Σw·tc·m·x   1 claims Σw·c·x   2 expense Σw·e·x   3 renewal Σ_R w·x   4 variance Σw·var·x
///   then per fairness group g: 5+3g premium Σ_g w·tc·m, 6+3g gwp_g, 7+3g claims_g.
namespace basis {
constexpr int gwp = 0;
constexpr int claims = 1;
constexpr int expense = 2;
constexpr int renewal = 3;
constexpr int variance = 4;
constexpr int global_count = 5;
constexpr int per_group = 3;
RATEOPT_HD constexpr int group_premium(int g) { return global_count + per_group * g; }
RATEOPT_HD constexpr int group_gwp(int g) { return global_count + per_group * g + 1; }
RATEOPT_HD constexpr int group_claims(int g) { return global_count + per_group * g + 2; }
RATEOPT_HD constexpr int size(int n_groups) { return global_count + per_group * n_groups; }
}  // namespace basis

/// One policy's weighted data as the basis terms use it (w = weight).
struct PolicyCoefficients {
  double wtc;  ///< w·tc
  double wc;   ///< w·c
  double we;   ///< w·e
  double wr;   ///< w·[renewal]
  double wv;   ///< w·claims_variance
};

/// A policy's weighted coefficients from its book row (weight w, technical price, loss cost, expense,
/// renewal flag, claims variance): the one place the solve and the pricing rule build them.
RATEOPT_HD PolicyCoefficients policy_coefficients(double weight, double technical_price, double loss_cost,
                                                  double expense, bool renewal, double claims_variance) {
  PolicyCoefficients p;
  p.wtc = weight * technical_price;
  p.wc = weight * loss_cost;
  p.we = weight * expense;
  p.wr = renewal ? weight : 0.0;
  p.wv = weight * claims_variance;
  return p;
}

/// The prepared demand parameters (d0, d1) of DemandKind from the book's x0 and ε.
RATEOPT_HD void demand_parameters(DemandKind kind, double x0, double elasticity, double& d0, double& d1) {
  if (kind == DemandKind::log_linear) {
    d0 = x0;
    d1 = elasticity;
  } else {
    logistic_parameters(x0, elasticity, d0, d1);
  }
}

/// Coefficients (A, B, D) of h(m) = ω·φ(m) for prices ω on the basis sums; group < 0 when the
/// basis carries no groups.
RATEOPT_HD Separable separable_from_prices(const PolicyCoefficients& p, const double* omega, int group) {
  double wg = omega[basis::gwp], wc = omega[basis::claims], wp = 0.0;
  if (group >= 0) {
    wg += omega[basis::group_gwp(group)];
    wc += omega[basis::group_claims(group)];
    wp = omega[basis::group_premium(group)];
  }
  Separable s;
  s.A = p.wtc * wg;
  s.B = p.wc * wc + p.we * omega[basis::expense] + p.wr * omega[basis::renewal] + p.wv * omega[basis::variance];
  s.D = p.wtc * wp;
  return s;
}

/// Basis terms φ(m) of one policy: global[0..5) and its group's three terms group3[0..3).
RATEOPT_HD void basis_terms(const PolicyCoefficients& p, double x, double m, double* global, double* group3) {
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
RATEOPT_HD void basis_derivatives(const PolicyCoefficients& p, const Demand& dm, double m, double* global,
                                  double* group3) {
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
struct NewtonLocal {
  double g;
  double delta;
  bool free;
};

RATEOPT_HD NewtonLocal newton_local(const Demand& dm, const SeparableValue& v, const Separable& s, double m, double lb,
                                    double ub) {
  NewtonLocal n;
  n.g = v.dh;
  const double lin = s.A * m + s.B;
  const double terms =
      (dm.d2x * lin < 0 ? -dm.d2x * lin : dm.d2x * lin) + 2.0 * (s.A * dm.dx < 0 ? -s.A * dm.dx : s.A * dm.dx);
  const double floor = 1e-2 * terms;
  const double curvature = v.d2h < 0 ? -v.d2h : v.d2h;
  n.delta = curvature > floor ? curvature : floor;
  const bool held = (m <= lb && n.g <= 0.0) || (m >= ub && n.g >= 0.0);
  n.free = !held && n.delta > 0.0;
  return n;
}

namespace detail {

/// A function of m whose sign pattern on [lo, hi] is known to be monotone (at most one root).
/// kind 0: h'(m).  kind 1: the helper q'(m) / r'(m) used to split [lb, ub] into monotone pieces.
struct RootTarget {
  DemandKind model;
  double d0, d1;
  Separable s;
  int which;  // 0: h'; 1: log-linear q'; 2: logistic r'
  RATEOPT_HD double operator()(double m) const {
    if (which == 0) return separable_dh(model, d0, d1, s, m);
    if (which == 1) {
      // q(m) = A(ε+1)m + Bε + (D/x0)·m^(1−ε) = h'(m)·m^(1−ε)/x0;  q' = A(ε+1) + (D/x0)(1−ε)·m^(−ε)
      return s.A * (d1 + 1.0) + (s.D / d0) * (1.0 - d1) * std::exp(-d1 * std::log(m));
    }
    // r(m) = h'(m)·(1+t)²/t with t = e^u, u = α+βm;  r'(m) = β·[−A − (A+D)e^{−u} + D·e^{u}]
    const double u = d0 + d1 * m;
    return d1 * (-s.A - (s.A + s.D) * std::exp(-u) + s.D * std::exp(u));
  }
};

/// Root of f on [lo, hi] given f(lo)·f(hi) < 0 and f monotone there: Illinois regula falsi with a
/// bisection safeguard; converges superlinearly and never leaves the bracket.
template <class F>
RATEOPT_HD double bracketed_root(const F& f, double lo, double hi, double flo, double fhi) {
  int side = 0;
  for (int it = 0; it < 200; ++it) {
    if (hi - lo <= 4e-16 * (hi > 0 ? hi : -hi) + 1e-300) break;
    double m = (lo * fhi - hi * flo) / (fhi - flo);
    // fall back to bisection when the secant point is not strictly inside
    if (!(m > lo && m < hi) || (it % 8 == 7)) m = 0.5 * (lo + hi);
    const double fm = f(m);
    if (fm == 0.0) return m;
    if ((fm < 0) == (flo < 0)) {
      lo = m;
      flo = fm;
      if (side == -1) fhi *= 0.5;
      side = -1;
    } else {
      hi = m;
      fhi = fm;
      if (side == 1) flo *= 0.5;
      side = 1;
    }
  }
  return (flo < 0 ? -flo : flo) < (fhi < 0 ? -fhi : fhi) ? lo : hi;
}

/// Append to pts[] the split points of [lb, ub] at the roots of a monotone-piecewise function f,
/// given the pieces already in pts[0..n).  Returns the new count (at most cap).
template <class F>
RATEOPT_HD int refine_at_roots(const F& f, double* pts, int n, int cap) {
  double out[8];
  int k = 0;
  out[k++] = pts[0];
  double fa = f(pts[0]);
  for (int i = 1; i < n; ++i) {
    const double fb = f(pts[i]);
    if (fa != 0.0 && fb != 0.0 && ((fa < 0) != (fb < 0)) && k < cap - 1) {
      out[k++] = bracketed_root(f, pts[i - 1], pts[i], fa, fb);
    }
    out[k++] = pts[i];
    fa = fb;
  }
  for (int i = 0; i < k; ++i) pts[i] = out[i];
  return k;
}

}  // namespace detail

/// The best candidate so far of a maximisation, and whether another candidate, a distinct point,
/// comes within a relative 1e-12 of its value (a tie: the maximiser is not unique to round-off).
struct BestPoint {
  double m, h;
  bool tie;
  RATEOPT_HD static bool near(double a, double b) {
    const double d = a - b, scale = (a < 0 ? -a : a) > (b < 0 ? -b : b) ? (a < 0 ? -a : a) : (b < 0 ? -b : b);
    return (d < 0 ? -d : d) <= 1e-12 * scale;
  }
  RATEOPT_HD static bool distinct(double a, double b) {
    const double d = a - b;
    return (d < 0 ? -d : d) > 1e-9 * (a > 1.0 ? a : 1.0);
  }
  RATEOPT_HD void consider(double mc, double hc) {
    if (hc > h) {
      tie = near(hc, h) && distinct(mc, m);
      h = hc;
      m = mc;
    } else if (near(hc, h) && distinct(mc, m)) {
      tie = true;
    }
  }
};

/// The maximiser and whether it is a tie (see BestPoint).
struct Argmax {
  double m;
  bool tie;
};

/// Global maximiser of h(m) = x(m)(A·m + B) + D·m on [lb, ub] (lb ≤ ub, lb > 0), with tie detection.
///
/// Certified, not heuristic: h' has at most two roots (log-linear) or three (logistic) on the box,
/// and the box is split into pieces on which h' is monotone using closed forms, so every stationary
/// point is found by a bracketed root search and compared with both bounds.
///   log-linear: h'·m^(1−ε)/x0 = q(m) = A(ε+1)m + Bε + (D/x0)m^(1−ε); q' is monotone in m.
///   logistic:   h'·(1+t)²/t = r(m), t = e^(α+βm); r'' = β²[(A+D)/t + D·t] changes sign at most once.
RATEOPT_HD Argmax separable_argmax_checked(DemandKind kind, double d0, double d1, const Separable& s, double lb,
                                           double ub) {
  if (!(ub > lb)) return Argmax{ub, false};
  detail::RootTarget dh{kind, d0, d1, s, 0};
  if (kind == DemandKind::log_linear && s.D == 0.0) {
    // h' = x0·m^(ε−1)·(A(ε+1)m + Bε): one sign change at most, at m* = −Bε/(A(ε+1)).
    const double slope = s.A * (d1 + 1.0);
    if (slope < 0.0) {
      const double mstar = -s.B * d1 / slope;
      return Argmax{mstar <= lb ? lb : (mstar >= ub ? ub : mstar), false};
    }
    if (slope == 0.0) return Argmax{(s.B * d1 > 0.0) ? ub : lb, s.B * d1 == 0.0};  // h constant: every m ties
    // m* is a minimum (or outside): the best point is a bound.
    const double h_lb = separable_h(kind, d0, d1, s, lb), h_ub = separable_h(kind, d0, d1, s, ub);
    return Argmax{h_ub >= h_lb ? ub : lb, BestPoint::near(h_ub, h_lb)};
  }
  BestPoint best{lb, separable_h(kind, d0, d1, s, lb), false};
  double pts[8];
  int n = 0;
  pts[n++] = lb;
  if (kind == DemandKind::log_linear) {
    // split where q' = 0: m^(−ε) = −A(ε+1)x0 / (D(1−ε))
    if (d1 != 0.0 && d1 != 1.0) {
      const double rhs = -s.A * (d1 + 1.0) * d0 / (s.D * (1.0 - d1));
      if (rhs > 0.0) {
        const double mc = std::exp(std::log(rhs) / -d1);
        if (mc > lb && mc < ub) pts[n++] = mc;
      }
    }
    pts[n++] = ub;
  } else {
    if (d1 == 0.0) {
      // constant demand: h is linear
      const double h_ub = separable_h(kind, d0, d1, s, ub);
      return Argmax{h_ub >= best.h ? ub : lb, BestPoint::near(h_ub, best.h)};
    }
    // split where r'' = 0: e^(2u) = −(A+D)/D, then where r' = 0 (monotone between those points)
    if (s.D != 0.0) {
      const double q = -(s.A + s.D) / s.D;
      if (q > 0.0) {
        const double mc = (0.5 * std::log(q) - d0) / d1;
        if (mc > lb && mc < ub) pts[n++] = mc;
      }
    }
    pts[n++] = ub;
    detail::RootTarget rp{kind, d0, d1, s, 2};
    n = detail::refine_at_roots(rp, pts, n, 8);
  }
  // Now h' is monotone on every piece: collect its roots and compare h at them and at the bounds.
  best.consider(ub, separable_h(kind, d0, d1, s, ub));
  double fa = dh(pts[0]);
  for (int i = 1; i < n; ++i) {
    const double fb = dh(pts[i]);
    // split points are admissible candidates too (covers a stationary point exactly on one)
    if (i < n - 1) best.consider(pts[i], separable_h(kind, d0, d1, s, pts[i]));
    // a maximum: h' goes from + to −
    if (fa > 0.0 && fb < 0.0) {
      const double r = detail::bracketed_root(dh, pts[i - 1], pts[i], fa, fb);
      best.consider(r, separable_h(kind, d0, d1, s, r));
    }
    fa = fb;
  }
  return Argmax{best.m, best.tie};
}

/// Global maximiser of h on [lb, ub] (separable_argmax_checked without the tie flag).
RATEOPT_HD double separable_argmax(DemandKind kind, double d0, double d1, const Separable& s, double lb, double ub) {
  return separable_argmax_checked(kind, d0, d1, s, lb, ub).m;
}

}  // namespace math
}  // namespace rateopt
