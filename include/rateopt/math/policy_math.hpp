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
//
// The formulas themselves are in policy_formulas-inl.hpp, as templates over the value type (one
// policy, or a vector of policies on the CPU); this header instantiates them for one policy (double)
// and adds what only one policy needs (the certified root search of the general argmax).
#pragma once

#include <cmath>

#include "rateopt/math/hd.hpp"

namespace rateopt {
namespace math {

/// The lane operations of the formulas, for one policy.
RATEOPT_HD double vexp(double x) { return std::exp(x); }
RATEOPT_HD double vlog(double x) { return std::log(x); }
RATEOPT_HD double vselect(bool c, double a, double b) { return c ? a : b; }
RATEOPT_HD bool vany(bool c) { return c; }
RATEOPT_HD bool vall(bool c) { return c; }

/// The comparison result of V: bool for one policy, V::Mask for a vector.
template <class V>
struct LaneMask {
  using type = typename V::Mask;
};
template <>
struct LaneMask<double> {
  using type = bool;
};
template <class V>
using MaskOf = typename LaneMask<V>::type;

/// Demand model.  Stored per policy as two prepared parameters (d0, d1):
///   log_linear: d0 = x0, d1 = ε,              x(m) = x0·m^ε
///   logistic:   d0 = α,  d1 = β (per unit m), x(m) = 1/(1+exp(α+β·m))
/// (In a namespace of its own so that argument-dependent lookup on a DemandKind finds no formulas:
/// the vector path's instantiation of the formulas, in its own namespace, would be ambiguous with these.)
namespace demand_models {
enum class DemandKind : int { log_linear = 0, logistic = 1 };
}  // namespace demand_models
using demand_models::DemandKind;

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

/// Entry k (0 premium, 1 gwp, 2 claims) of a policy's group in a vector laid out as the basis
/// (prices ω, or a step z); group < 0 when the basis carries no groups.  The vector path defines the
/// same for its lanes of groups.
RATEOPT_HD bool has_group(int group) { return group >= 0; }
RATEOPT_HD double group_entry(const double* full, int group, int k) { return full[basis::group_premium(group) + k]; }

#include "rateopt/math/policy_formulas-inl.hpp"  // IWYU pragma: export

using Demand = DemandOf<double>;
using Separable = SeparableOf<double>;
using SeparableValue = SeparableValueOf<double>;
using PolicyCoefficients = PolicyCoefficientsOf<double>;
using NewtonLocal = NewtonLocalOf<double>;
using Argmax = ArgmaxOf<double>;

/// Logistic parameters from the book's (x0, ε): β = b·tc = −ε/(1−x0), α = ln(1/x0 − 1) − β,
/// so that x(1) = x0 and d ln x / d ln m = ε at m = 1.
RATEOPT_HD void logistic_parameters(double x0, double elasticity, double& alpha, double& beta) {
  beta = -elasticity / (1.0 - x0);
  alpha = std::log(1.0 / x0 - 1.0) - beta;
}

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
  RATEOPT_HD static bool near(double a, double b) { return values_near(a, b); }
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
  if (kind == DemandKind::log_linear && s.D == 0.0) return log_linear_argmax_closed_form(d0, d1, s, lb, ub);
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