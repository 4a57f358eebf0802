// Ratebook mode's solver state (see ratebook_solve.cpp for the algorithm).
#pragma once

#include <string>

#include "ratebook/ratebook_internal.hpp"

namespace rateopt {

/// The augmented-Lagrangian merit of the portfolio constraints as a function of T:
///   objective(T) − Σ_k (max(0, λ_k + μ·g_k(T))² − λ_k²) / (2μ), to maximise.
struct RatebookMerit {
  const Problem& problem;
  Vec lambda;
  double mu;
  double value(const Vec& T) const;
  Vec gradient(const Vec& T) const;
  Mat hessian(const Vec& T) const;
  /// max(0, λ + μ·g(T)): the multipliers the next outer iteration uses.
  Vec multipliers(const Vec& T) const;
};

/// First-order optimality at the answer.
struct KktReport {
  Vec T, lambda;                         ///< basis sums and portfolio multipliers (scaled units)
  Vec bound_multiplier, row_multiplier;  ///< of θ's bounds and of the linear rows (orders, smoothness, cells)
  double stationarity = 0, primal = 0, complementarity = 0, dual = 0;
};

class RatebookSolver {
 public:
  RatebookSolver(const Problem& problem, const RatebookVariables& variables, const RatebookCells& cells,
                 const BookView& book, const OptimiseOptions& options, const RatebookOptions& rb_options);
  void run();
  KktReport certify();

  const Vec& theta() const { return theta_; }
  SolveStatus stopped_status() const { return status_; }  ///< converged unless stopped early
  const std::string& stop_message() const { return message_; }
  bool inner_converged() const { return inner_converged_; }
  int outer_iterations() const { return outer_; }
  int newton_iterations() const { return newton_iterations_; }
  int64_t passes() const { return passes_; }
  const SparseRows& rows() const { return rows_; }
  RatebookPass pass(const Vec& theta, const Vec* omega);

 private:
  bool linear_constraints_hold(const Vec& theta, double slack) const;
  bool feasible_start(std::string& why_not);
  Mat newton_metric(const RatebookPass& pass_out, const Vec& T) const;
  BoxQp step_problem(const Mat& metric, const Vec& ascent) const;
  bool newton_solve();
  double max_violation(const Vec& T) const;

  const Problem& P_;
  const RatebookVariables& v_;
  const RatebookCells& cells_;
  const BookView& book_;
  const OptimiseOptions& o_;
  const RatebookOptions& rb_;
  SparseRows rows_;
  RatebookMerit merit_;
  Vec lo_, hi_, theta_;
  SolveStatus status_ = SolveStatus::converged;
  std::string message_;
  bool inner_converged_ = false;
  int outer_ = 0, newton_iterations_ = 0;
  int64_t passes_ = 0;
};

}  // namespace rateopt
