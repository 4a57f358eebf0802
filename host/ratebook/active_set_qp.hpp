// A small dense convex QP with bounds and sparse linear rows, solved by a primal active-set method from a
// feasible start (d = 0): the Newton step of ratebook mode over its few hundred to few thousand variables.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace rateopt {

/// Rows a_r·x ≤ rhs_r, each with a few nonzero coefficients.
struct SparseRows {
  std::vector<int> start{0};  ///< row r's entries are [start[r], start[r+1])
  std::vector<int> var;
  std::vector<double> coef;
  std::vector<double> rhs;
  int size() const { return static_cast<int>(rhs.size()); }
  void add_row(const std::vector<int>& vars, const std::vector<double>& coefs, double right_hand_side);
  double dot(int r, const Eigen::VectorXd& x) const;
};

/// minimise ½ dᵀ B d + cᵀ d  subject to  lo ≤ d ≤ hi,  rows: a_r·d ≤ rhs_r.
/// B must be symmetric positive definite; d = 0 must be feasible (lo ≤ 0 ≤ hi, rhs ≥ 0).  Variables
/// with `pinned` set stay at 0 (held fixed) whatever their multiplier says.
struct BoxQp {
  Eigen::MatrixXd B;
  Eigen::VectorXd c, lo, hi;
  std::vector<unsigned char> pinned;
  SparseRows rows;
};

struct BoxQpSolution {
  Eigen::VectorXd d;
  /// KKT multipliers at d: B d + c + Σ_r row_multiplier_r a_r + bound_multiplier = 0, with
  /// row_multiplier ≥ 0 (0 off the working set) and bound_multiplier ≥ 0 at an upper bound, ≤ 0 at a
  /// lower one (pinned variables: either sign), 0 for a free variable.
  Eigen::VectorXd row_multiplier, bound_multiplier;
  std::vector<signed char> at_bound;  ///< −1 lower, +1 upper, 0 free
  bool optimal = false;               ///< false: stopped at the iteration cap (d is feasible and no worse than 0)
  int iterations = 0;
};

BoxQpSolution solve_box_qp(const BoxQp& qp, int max_iterations);

}  // namespace rateopt
