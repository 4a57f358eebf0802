// A solve's problem in the algorithm's terms: per-policy arrays for the backend, the objective and
// the constraints as smooth functions of the basis sums T, all scaled to order one.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "parallel/communicator.hpp"
#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

/// One scalar constraint g(T) ≤ 0, divided by its scale so that g is a relative quantity.
struct ConstraintTerm {
  enum class Form {
    linear,         ///< g = v·T − b
    stochastic_lr,  ///< g = (C + z·√V − lr·G) / scale
    lr_ratio_pair,  ///< g = (C_a/G_a − f·C_b/G_b) / scale
  };
  Form form = Form::linear;
  ConstraintKind kind = ConstraintKind::lr_max;  ///< the option it comes from
  std::string label;                             ///< name plus detail, e.g. "fairness_max[pcw/direct]"
  Vec v;                                         ///< linear: coefficients (already scaled)
  double b = 0;                                  ///< linear: right-hand side (already scaled)
  double limit = 0;                              ///< the option's value in force (lr, f, …)
  double z = 0;                                  ///< stochastic_lr: z = √(α/(1−α))
  int group_a = -1, group_b = -1;                ///< pair constraints
  double scale = 1;
  /// ∂g/∂(relaxation of the limit) is −relax_coefficient·(this factor of T); see relax_gradient.
  enum class Relax { lr_like, gwp_floor, gwp_cap, retention, premium_pair, lr_pair } relax = Relax::lr_like;
  double renewal_weight = 0;  ///< Σ_R w, for retention
  double group_weight_b = 0;  ///< n_b, for premium pairs

  double value(const Vec& T) const;
  Vec gradient(const Vec& T) const;
  /// H += coef·∇²g(T); nothing for linear terms.
  void add_hessian(const Vec& T, double coef, Mat& H) const;
  bool is_linear() const { return form == Form::linear; }
  /// −∂g/∂θ where θ moves the limit in the direction that relaxes it (≥ 0).
  double relax_gradient(const Vec& T) const;
};

/// The objective as a function of T, to maximise: profit/P_ref, or −(C/G)/LR_ref.
struct ObjectiveTerm {
  bool profit = true;
  double scale = 1;  ///< P_ref (money) for profit, LR_ref for loss ratio
  double value(const Vec& T) const;
  Vec gradient(const Vec& T) const;
  void add_hessian(const Vec& T, double coef, Mat& H) const;
};

struct Problem {
  PolicyArrays policies;
  ObjectiveTerm objective;
  std::vector<ConstraintTerm> constraints;
  int K = 0;                  ///< basis size
  double profit_scale = 1;    ///< P_ref = Σ w·tc·x0
  double lr_ref = 1;          ///< Σ w·c·x0 / P_ref, the loss ratio at m = 1
  double mean_premium = 1;    ///< Σ w·tc / Σ w
  double renewal_weight = 0;  ///< Σ_R w
  double total_weight = 0;    ///< Σ w
  std::vector<double> group_weight;
  std::vector<std::string> group_names;
  double lr_max_in_force = 0;  ///< lr_max after the model-quality relaxation
  bool separable = true;       ///< objective and every constraint linear in T (dual bound exists)
  double claims_cv = 0;        ///< weighted coefficient of variation of expected_loss_cost over the book
  /// Where this problem's policies sit in the whole book: a shard of a sharded solve holds rows
  /// [first_policy, first_policy + policies.size()) of total_policies; a whole book is 0 and its size.
  uint64_t first_policy = 0;
  uint64_t total_policies = 0;
  /// Policies of the whole book priced at a cap below their floor (SolveResult::n_bound_conflicts).
  int64_t bound_conflicts = 0;
};

/// Build the problem: bounds of SPEC §1.4 (counting conflicts into result), demand parameters,
/// constraint terms of §1.5.  Throws InputError for options the book cannot support.
/// With a communicator of several ranks `book` is this rank's shard and every book-wide sum (scales,
/// weights, counts) is summed over the ranks; a rank whose rows broke a rule throws its InputError
/// and the others throw PeerFailed (collective: every rank must call it).
Problem prepare_problem(const BookView& book, const OptimiseOptions& options, SolveResult& result,
                        const Communicator& comm = serial_communicator());

/// (Re)build the objective and constraint terms for these options on an already prepared problem, as
/// a sweep does between points: only limits change, so the backend's arrays stay valid.
void build_constraints(Problem& problem, const BookView& book, const OptimiseOptions& options, SolveResult& result);

/// The natural quantities of SPEC §1.6 from T: profit, GWP, claims, LR, retention.
struct PortfolioMetrics {
  double profit, gwp, claims, loss_ratio, retention;
};
PortfolioMetrics portfolio_metrics(const Problem& problem, const Vec& T);
/// The same from sums laid out as the basis (math::basis: gwp, claims, expense, renewal) over any set of
/// policies whose renewals weigh renewal_weight (Σ_R w; 0: retention NaN) — a segment of the impact report.
PortfolioMetrics portfolio_metrics(const Vec& T, double renewal_weight);
/// The same into a solve's result: expected profit, GWP, claims, loss ratio and retention.
inline void store_portfolio_metrics(const PortfolioMetrics& m, SolveResult& result) {
  result.expected_profit = m.profit;
  result.expected_gwp = m.gwp;
  result.expected_claims = m.claims;
  result.expected_loss_ratio = m.loss_ratio;
  result.expected_retention = m.retention;
}

/// One ConstraintReport per option in use (pairs folded into one), from T and the multipliers.
std::vector<ConstraintReport> report_constraints(const Problem& problem, const OptimiseOptions& options, const Vec& T,
                                                 const std::vector<double>& lambda, double tolerance);

/// The factor from a term's multiplier in money to its shadow price's unit: 1 for GWP, 0.01 (a percentage
/// point) for the loss ratio, retention and the disparity ratio.
double shadow_price_unit(ConstraintKind kind);

/// Fill result.lagrangian's terms (scaled and business-unit multipliers) and book-level constants from
/// the problem and the final multipliers; its basis prices and sums are the solver's (run_solver).
void record_lagrangian(const Problem& problem, const std::vector<double>& lambda, SolveResult& result);

}  // namespace rateopt
