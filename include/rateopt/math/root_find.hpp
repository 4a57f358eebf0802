// A bracketed scalar root finder (Brent's method), shared by the reinsurance retention search and the
// model-quality η calibration.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>

namespace rateopt {

/// Result of brent_root: the final bracket [lo, hi] (f(lo) and f(hi) of opposite signs or one of them
/// zero) and the number of evaluations of f.  `root` is the end of the bracket with the smaller |f|.
struct BracketedRoot {
  double root = 0, f_root = 0;
  double lo = 0, f_lo = 0, hi = 0, f_hi = 0;
  int evaluations = 0;
};

/// Brent's method (inverse quadratic interpolation, secant, bisection safeguard) on [a, b] where f(a)
/// and f(b) differ in sign (or one is zero).  Stops when the bracket is narrower than
/// x_tolerance + 4·ε·|x|, when |f| ≤ f_tolerance, or after max_evaluations.  Returns nullopt when f(a)
/// and f(b) have the same sign (no bracket) or either is not finite.  The bracket ends are kept so
/// that a caller can choose the side it needs (e.g. the side where a constraint holds).
inline std::optional<BracketedRoot> brent_root(const std::function<double(double)>& f, double a, double b,
                                               double x_tolerance, double f_tolerance = 0.0,
                                               int max_evaluations = 200) {
  BracketedRoot r;
  double fa = f(a), fb = f(b);
  r.evaluations = 2;
  if (!std::isfinite(fa) || !std::isfinite(fb)) return std::nullopt;
  if ((fa > 0 && fb > 0) || (fa < 0 && fb < 0)) return std::nullopt;
  double c = a, fc = fa, d = b - a, e = d;
  while (true) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {  // keep the root between b and c
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (std::fabs(fc) < std::fabs(fb)) {  // b is the best estimate
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol = 2.0 * 2.220446049250313e-16 * std::fabs(b) + 0.5 * x_tolerance;
    const double m = 0.5 * (c - b);
    if (std::fabs(m) <= tol || fb == 0.0 || std::fabs(fb) <= f_tolerance || r.evaluations >= max_evaluations) break;
    if (std::fabs(e) >= tol && std::fabs(fa) > std::fabs(fb)) {
      double p, q;
      const double s = fb / fa;
      if (a == c) {  // secant
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {  // inverse quadratic interpolation
        const double qq = fa / fc, rr = fb / fc;
        p = s * (2.0 * m * qq * (qq - rr) - (b - a) * (rr - 1.0));
        q = (qq - 1.0) * (rr - 1.0) * (s - 1.0);
      }
      if (p > 0) q = -q;
      p = std::fabs(p);
      if (2.0 * p < std::min(3.0 * m * q - std::fabs(tol * q), std::fabs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += std::fabs(d) > tol ? d : (m > 0 ? tol : -tol);
    fb = f(b);
    ++r.evaluations;
    if (!std::isfinite(fb)) return std::nullopt;
  }
  r.root = b;
  r.f_root = fb;
  // b and c bracket the root
  r.lo = std::min(b, c);
  r.hi = std::max(b, c);
  r.f_lo = r.lo == b ? fb : fc;
  r.f_hi = r.hi == b ? fb : fc;
  if (b == c) r.f_lo = r.f_hi = fb;
  return r;
}

}  // namespace rateopt
