// Primal active-set method (Nocedal & Wright, algorithm 16.3) with bounds kept apart from the general rows:
// an active bound removes its variable from the equality-constrained subproblem, so only the rows of the
// working set enter the Schur complement.  Every blocking constraint has a·p > 0 while the working set has
// A·p = 0, so the working set stays linearly independent.
#include "ratebook/active_set_qp.hpp"

#include <algorithm>
#include <cmath>

namespace rateopt {

using Eigen::MatrixXd;
using Eigen::VectorXd;

void SparseRows::add_row(const std::vector<int>& vars, const std::vector<double>& coefs, double right_hand_side) {
  var.insert(var.end(), vars.begin(), vars.end());
  coef.insert(coef.end(), coefs.begin(), coefs.end());
  start.push_back(static_cast<int>(var.size()));
  rhs.push_back(right_hand_side);
}

double SparseRows::dot(int r, const VectorXd& x) const {
  double s = 0;
  for (int k = start[r]; k < start[r + 1]; ++k) s += coef[k] * x[var[k]];
  return s;
}

namespace {

struct EqualityStep {
  VectorXd p;       ///< step over all variables (0 on bounds)
  VectorXd lambda;  ///< multipliers of the working rows
};

// minimise ½pᵀBp + rᵀp over the free variables subject to a_w·p = 0 for the working rows.
EqualityStep equality_step(const BoxQp& qp, const std::vector<int>& free, const std::vector<int>& working,
                           const VectorXd& r) {
  const int n = static_cast<int>(qp.c.size()), nf = static_cast<int>(free.size());
  const int nw = static_cast<int>(working.size());
  EqualityStep out{VectorXd::Zero(n), VectorXd::Zero(nw)};
  if (nf == 0) return out;
  std::vector<int> position(n, -1);
  for (int k = 0; k < nf; ++k) position[free[k]] = k;
  MatrixXd Bff(nf, nf);
  VectorXd rf(nf);
  for (int a = 0; a < nf; ++a) {
    rf[a] = r[free[a]];
    for (int b = 0; b < nf; ++b) Bff(a, b) = qp.B(free[a], free[b]);
  }
  MatrixXd Awf = MatrixXd::Zero(nw, nf);
  for (int w = 0; w < nw; ++w)
    for (int k = qp.rows.start[working[w]]; k < qp.rows.start[working[w] + 1]; ++k)
      if (position[qp.rows.var[k]] >= 0) Awf(w, position[qp.rows.var[k]]) += qp.rows.coef[k];
  const Eigen::LLT<MatrixXd> chol(Bff);
  const VectorXd y = chol.solve(rf);
  VectorXd pf = -y;
  if (nw > 0) {
    const MatrixXd X = chol.solve(Awf.transpose());
    const MatrixXd S = Awf * X;
    out.lambda = S.ldlt().solve(-Awf * y);
    pf -= X * out.lambda;
  }
  for (int a = 0; a < nf; ++a) out.p[free[a]] = pf[a];
  return out;
}

// A constraint whose multiplier has the wrong sign beyond tol (−1: none), chosen by Bland's rule: the
// first in a fixed order (bounds by variable, then rows by number), which with the ratio test's own
// first-index choice keeps degenerate steps (many per-policy rows tight at once) from cycling.  Rows are
// returned as their position in `working`; a bound j as −2 − j.
int most_wrong_multiplier(const BoxQp& qp, const BoxQpSolution& s, const std::vector<int>& working,
                          const VectorXd& lambda, const VectorXd& residual, double tol) {
  for (int j = 0; j < static_cast<int>(qp.c.size()); ++j) {
    if (qp.pinned[j] || s.at_bound[j] == 0) continue;
    // bound multiplier z = −residual: ≥ 0 at an upper bound, ≤ 0 at a lower one
    const double wrong = s.at_bound[j] > 0 ? residual[j] : -residual[j];
    if (wrong > tol) return -2 - j;
  }
  int first = -1;
  for (size_t w = 0; w < working.size(); ++w)
    if (-lambda[w] > tol && (first < 0 || working[w] < working[first])) first = static_cast<int>(w);
  return first;
}

void record_multipliers(const BoxQp& qp, const std::vector<int>& working, const VectorXd& lambda,
                        const VectorXd& residual, BoxQpSolution& s) {
  s.row_multiplier = VectorXd::Zero(qp.rows.size());
  for (size_t w = 0; w < working.size(); ++w) s.row_multiplier[working[w]] = lambda[w];
  s.bound_multiplier = VectorXd::Zero(qp.c.size());
  for (int j = 0; j < static_cast<int>(qp.c.size()); ++j)
    if (s.at_bound[j] != 0 || qp.pinned[j]) s.bound_multiplier[j] = -residual[j];
}

}  // namespace

BoxQpSolution solve_box_qp(const BoxQp& qp, int max_iterations) {
  const int n = static_cast<int>(qp.c.size());
  BoxQpSolution s;
  s.d = VectorXd::Zero(n);
  s.at_bound.assign(n, 0);
  for (int j = 0; j < n; ++j)
    if (!qp.pinned[j]) s.at_bound[j] = qp.lo[j] >= 0 ? -1 : (qp.hi[j] <= 0 ? 1 : 0);
  std::vector<int> working;
  std::vector<unsigned char> in_working(qp.rows.size(), 0);
  const double tol = 1e-12 * std::max(1.0, qp.c.lpNorm<Eigen::Infinity>());
  // After a full step the point minimises over the working set: what is left of p is round-off (which
  // an ill-conditioned B makes far larger than machine precision), so test the multipliers.
  bool at_working_minimum = false;
  for (s.iterations = 0; s.iterations < max_iterations; ++s.iterations) {
    std::vector<int> free;
    for (int j = 0; j < n; ++j)
      if (!qp.pinned[j] && s.at_bound[j] == 0) free.push_back(j);
    const VectorXd r = qp.B * s.d + qp.c;
    const EqualityStep step = equality_step(qp, free, working, r);
    if (at_working_minimum || step.p.lpNorm<Eigen::Infinity>() <= 1e-13 * (1.0 + s.d.lpNorm<Eigen::Infinity>())) {
      at_working_minimum = false;
      VectorXd residual = r;
      for (size_t w = 0; w < working.size(); ++w)
        for (int k = qp.rows.start[working[w]]; k < qp.rows.start[working[w] + 1]; ++k)
          residual[qp.rows.var[k]] += step.lambda[w] * qp.rows.coef[k];
      const int release = most_wrong_multiplier(qp, s, working, step.lambda, residual, tol);
      if (release == -1) {
        record_multipliers(qp, working, step.lambda, residual, s);
        s.optimal = true;
        return s;
      }
      if (release >= 0) {
        in_working[working[release]] = 0;
        working.erase(working.begin() + release);
      } else {
        s.at_bound[-2 - release] = 0;
      }
      continue;
    }
    // Longest step along p that keeps every constraint (the blocking one joins the working set).
    double alpha = 1.0;
    int block_var = -1, block_row = -1;
    for (int j : free) {
      const double pj = step.p[j];
      const double room = pj > 0 ? (qp.hi[j] - s.d[j]) / pj : pj < 0 ? (qp.lo[j] - s.d[j]) / pj : 2.0;
      if (room < alpha) {
        alpha = std::max(room, 0.0);
        block_var = j;
        block_row = -1;
      }
    }
    for (int rix = 0; rix < qp.rows.size(); ++rix) {
      if (in_working[rix]) continue;
      const double ap = qp.rows.dot(rix, step.p);
      if (ap <= 1e-14) continue;
      const double room = std::max(qp.rows.rhs[rix] - qp.rows.dot(rix, s.d), 0.0) / ap;
      if (room < alpha) {
        alpha = room;
        block_row = rix;
        block_var = -1;
      }
    }
    s.d += alpha * step.p;
    at_working_minimum = block_var < 0 && block_row < 0;
    if (block_var >= 0) {
      s.at_bound[block_var] = step.p[block_var] > 0 ? 1 : -1;
      s.d[block_var] = step.p[block_var] > 0 ? qp.hi[block_var] : qp.lo[block_var];
    } else if (block_row >= 0) {
      working.push_back(block_row);
      in_working[block_row] = 1;
    }
  }
  // Out of iterations: d is feasible; multipliers from the last working set are only indicative.
  VectorXd residual = qp.B * s.d + qp.c;
  record_multipliers(qp, {}, VectorXd(), residual, s);
  return s;
}

}  // namespace rateopt
