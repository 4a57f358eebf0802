// Kelley's cutting planes for a convex piecewise-linear function h over a box lower ≤ x ≤ upper or the simplex
// {x ≥ 0, Σ x = 1}, with CLP solving the master LP  min θ  s.t.  θ ≥ c_t + g_t·x  for every cut t.
// For a polyhedral h it ends in finitely many steps with the master's value equal to the best h seen;
// the master's duals weight the cuts (the primal convex combination behind the bound).
#pragma once

#include <functional>
#include <vector>

namespace rateopt {

/// An affine minorant of h, exact at x: h(y) ≥ intercept + slope·y, with equality at y = x.
struct Cut {
  std::vector<double> x;
  double intercept = 0;
  std::vector<double> slope;
  double value() const;  ///< h(x)
};

struct CutResult {
  std::vector<Cut> cuts;         ///< every cut made (warm start for another call)
  size_t best = 0;               ///< index of the cut with the smallest h
  double upper = 0;              ///< min h over the points evaluated (an upper bound on min h)
  double lower = 0;              ///< the master's value (a lower bound on min h over the domain)
  std::vector<double> weights;   ///< the master's dual per cut (≥ 0, summing to 1)
  std::vector<double> master_x;  ///< the master's minimiser
  int iterations = 0;            ///< oracle calls in this run
  bool converged = false;        ///< upper − lower ≤ tol·max(1, |upper|)
};

enum class CutDomain { box, simplex };

/// Minimise h over the box [lower, upper] or the simplex (bounds unused).  `cuts` warm-starts (any valid
/// minorants of h); `start` is evaluated first when there are none.  Stops when converged or after
/// max_iterations oracle calls.
CutResult minimise_by_cuts(int m, CutDomain domain, const std::vector<double>& lower, const std::vector<double>& upper,
                           const std::vector<double>& start,
                           const std::function<Cut(const std::vector<double>&)>& oracle, int max_iterations, double tol,
                           std::vector<Cut> cuts = {});

}  // namespace rateopt
