// Building a solve's problem from a book and options (SPEC §1.2–1.5).
#include "optimise/problem.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/model_quality.hpp"
#include "rateopt/policy_bounds.hpp"

namespace rateopt {

namespace b = math::basis;

// ---------------------------------------------------------------- constraint and objective terms

double ConstraintTerm::value(const Vec& T) const {
  switch (form) {
    case Form::linear:
      return v.dot(T) - this->b;
    case Form::stochastic_lr:
      return (T[b::claims] + z * std::sqrt(std::max(T[b::variance], 0.0)) - limit * T[b::gwp]) / scale;
    case Form::lr_ratio_pair:
      return (T[b::group_claims(group_a)] / T[b::group_gwp(group_a)] -
              limit * T[b::group_claims(group_b)] / T[b::group_gwp(group_b)]) /
             scale;
  }
  return 0;
}

Vec ConstraintTerm::gradient(const Vec& T) const {
  if (form == Form::linear) return v;
  Vec g = Vec::Zero(T.size());
  if (form == Form::stochastic_lr) {
    const double V = std::max(T[b::variance], 1e-300);
    g[b::claims] = 1.0 / scale;
    g[b::gwp] = -limit / scale;
    g[b::variance] = 0.5 * z / std::sqrt(V) / scale;
  } else {
    const int ca = b::group_claims(group_a), ga = b::group_gwp(group_a);
    const int cb = b::group_claims(group_b), gb = b::group_gwp(group_b);
    g[ca] = 1.0 / T[ga] / scale;
    g[ga] = -T[ca] / (T[ga] * T[ga]) / scale;
    g[cb] = -limit / T[gb] / scale;
    g[gb] = limit * T[cb] / (T[gb] * T[gb]) / scale;
  }
  return g;
}

void ConstraintTerm::add_hessian(const Vec& T, double coef, Mat& H) const {
  if (form == Form::linear || coef == 0.0) return;
  if (form == Form::stochastic_lr) {
    const double V = std::max(T[b::variance], 1e-300);
    H(b::variance, b::variance) += coef * (-0.25 * z / (V * std::sqrt(V))) / scale;
    return;
  }
  // d²(C/G): ∂C∂G = −1/G², ∂G² = 2C/G³
  auto ratio_hessian = [&](int c, int g, double sign) {
    const double G = T[g];
    H(c, g) += coef * sign * (-1.0 / (G * G)) / scale;
    H(g, c) += coef * sign * (-1.0 / (G * G)) / scale;
    H(g, g) += coef * sign * (2.0 * T[c] / (G * G * G)) / scale;
  };
  ratio_hessian(b::group_claims(group_a), b::group_gwp(group_a), 1.0);
  ratio_hessian(b::group_claims(group_b), b::group_gwp(group_b), -limit);
}

double ConstraintTerm::relax_gradient(const Vec& T) const {
  switch (relax) {
    case Relax::lr_like:  // g = (C − θG)/scale (or θG − C for a floor): relaxing moves θ by G/scale
      return T[b::gwp] / scale;
    case Relax::gwp_floor:
    case Relax::gwp_cap:
      return 1.0 / scale;
    case Relax::retention:
      return renewal_weight / scale;
    case Relax::premium_pair:
      return T[b::group_premium(group_b)] / group_weight_b / scale;
    case Relax::lr_pair:
      return T[b::group_claims(group_b)] / T[b::group_gwp(group_b)] / scale;
  }
  return 0;
}

double ObjectiveTerm::value(const Vec& T) const {
  if (profit) return (T[b::gwp] - T[b::claims] - T[b::expense]) / scale;
  return -(T[b::claims] / T[b::gwp]) / scale;
}

Vec ObjectiveTerm::gradient(const Vec& T) const {
  Vec g = Vec::Zero(T.size());
  if (profit) {
    g[b::gwp] = 1.0 / scale;
    g[b::claims] = -1.0 / scale;
    g[b::expense] = -1.0 / scale;
  } else {
    const double G = T[b::gwp];
    g[b::claims] = -1.0 / G / scale;
    g[b::gwp] = T[b::claims] / (G * G) / scale;
  }
  return g;
}

void ObjectiveTerm::add_hessian(const Vec& T, double coef, Mat& H) const {
  if (profit) return;
  const double G = T[b::gwp];
  H(b::claims, b::gwp) += coef * (1.0 / (G * G)) / scale;
  H(b::gwp, b::claims) += coef * (1.0 / (G * G)) / scale;
  H(b::gwp, b::gwp) += coef * (-2.0 * T[b::claims] / (G * G * G)) / scale;
}

// ---------------------------------------------------------------- preparation

namespace {

Vec unit(int K, int k, double value) {
  Vec v = Vec::Zero(K);
  v[k] = value;
  return v;
}

/// A problem with its per-policy arrays sized for the book and the options' groups, nothing filled.
Problem sized_problem(const BookView& book, const OptimiseOptions& o) {
  const size_t n = book.size();
  Problem P;
  PolicyArrays& pa = P.policies;
  pa.demand = o.demand_model == DemandModel::logistic ? math::DemandKind::logistic : math::DemandKind::log_linear;

  const bool fairness = o.fairness_max.has_value();
  if (fairness && (!book.has_group || book.group_names.size() < 2))
    throw InputError(book.source, 0, "fairness_max needs a `group` column with at least two groups");
  if (o.stochastic_lr && !book.has_claims_variance)
    throw InputError(book.source, 0, "stochastic_lr needs a `claims_variance` column");
  pa.n_groups = fairness ? static_cast<int>(book.group_names.size()) : 0;
  P.K = pa.basis_size();

  for (auto* v : {&pa.wtc, &pa.wc, &pa.we, &pa.wr, &pa.wv, &pa.d0, &pa.d1, &pa.lb, &pa.ub}) v->resize(n);
  pa.group.assign(n, -1);
  P.group_weight.assign(pa.n_groups, 0.0);
  if (fairness) P.group_names.assign(book.group_names.begin(), book.group_names.end());
  return P;
}

/// Row i's multiplier bounds (policy_box, in the documented order); counts renewals, ENBPs and bound
/// conflicts into res.  A renewal without an ENBP while enbp_buffer is set becomes row_error.
///
/// Where the floors (technical_floor, max_rate_change's lower limit) lie above a cap (the ENBP, or
/// max_rate_change's upper limit), the cap wins and the policy is priced at it: a bound conflict.  The
/// box [min_multiplier, max_multiplier] is never left: a cap below min_multiplier is an input error
/// naming the cap.
void policy_bounds(const BookView& book, size_t i, const BoundRules& rules, SolveResult& res,
                   std::optional<InputError>& row_error, double& lb, double& ub) {
  const bool renewal = book.renewal_flag[i] != 0;
  const double prior = book.prior_multiplier[i];
  const PolicyBox box = policy_box(rules, book.technical_price[i], prior, renewal, book.enbp[i]);
  const long line = static_cast<long>(book.line_of(i));
  if (renewal) ++res.n_renewals;
  if (box.has_enbp_cap) ++res.n_renewals_with_enbp;
  if (box.missing_enbp) {
    row_error = InputError(book.source, line, "enbp: a renewal needs an ENBP when enbp_buffer is set");
  } else if (box.cap_below_box && box.upper == BoundSource::enbp) {
    row_error = InputError(book.source, line,
                           "enbp = " + shortest(book.enbp[i]) + " caps the multiplier at " + shortest(box.ub) +
                               ", below min_multiplier = " + shortest(rules.min_multiplier) +
                               " (the ENBP wins over the floors, never over the box)");
  } else if (box.cap_below_box) {
    row_error = InputError(book.source, line,
                           "prior_multiplier = " + shortest(prior) + " with max_rate_change = " +
                               shortest(rules.max_rate_change) + " caps the multiplier at " + shortest(box.ub) +
                               ", below min_multiplier = " + shortest(rules.min_multiplier));
  }
  if (box.conflict) ++res.n_bound_conflicts;
  lb = box.lb;
  ub = box.ub;
}

/// This rank's sums over its rows, for the scales and the claims' coefficient of variation.
struct RowSums {
  double gwp_ref = 0, claims_ref = 0, weight = 0, wtc = 0;
  double claims_weighted = 0, claims_squared_weighted = 0;
};

/// The per-policy arrays and bounds of the book's rows (P.renewal_weight and P.group_weight summed
/// over them), up to and including the first row that breaks a rule (row_error).
RowSums fill_policies(const BookView& book, const OptimiseOptions& o, Problem& P, SolveResult& res,
                      std::optional<InputError>& row_error) {
  PolicyArrays& pa = P.policies;
  const bool fairness = o.fairness_max.has_value();
  const BoundRules rules = bound_rules(o);
  RowSums sums;
  for (size_t i = 0; i < book.size() && !row_error; ++i) {
    const double w = book.weight[i];
    const math::PolicyCoefficients c =
        math::policy_coefficients(w, book.technical_price[i], book.expected_loss_cost[i], book.expense[i],
                                  book.renewal_flag[i] != 0, book.claims_variance[i]);
    pa.wtc[i] = c.wtc;
    pa.wc[i] = c.wc;
    pa.we[i] = c.we;
    pa.wr[i] = c.wr;
    pa.wv[i] = c.wv;
    const double x0 = book.p_demand[i];
    math::demand_parameters(pa.demand, x0, book.elasticity[i], pa.d0[i], pa.d1[i]);
    if (fairness) {
      pa.group[i] = book.group[i];
      P.group_weight[book.group[i]] += w;
    }
    policy_bounds(book, i, rules, res, row_error, pa.lb[i], pa.ub[i]);

    sums.gwp_ref += pa.wtc[i] * x0;
    sums.claims_ref += pa.wc[i] * x0;
    sums.weight += w;
    sums.wtc += pa.wtc[i];
    P.renewal_weight += pa.wr[i];
    sums.claims_weighted += w * book.expected_loss_cost[i];
    sums.claims_squared_weighted += w * book.expected_loss_cost[i] * book.expected_loss_cost[i];
  }
  return sums;
}

/// The counts of res before this rank's rows were counted.
struct Counts {
  int64_t renewals, with_enbp, bound_conflicts;
};

/// Book-wide sums: this rank's alone, or summed over the shards in rank order (collective).  Sets the
/// problem's scales, weights and position in the book and res's counts; throws this rank's row_error,
/// or PeerFailed where another rank had one.
void sum_over_ranks(const BookView& book, RowSums s, const Counts& before, const std::optional<InputError>& row_error,
                    Problem& P, SolveResult& res, const Communicator& comm) {
  std::vector<double> sums = {s.gwp_ref,
                              s.claims_ref,
                              s.weight,
                              s.wtc,
                              P.renewal_weight,
                              s.claims_weighted,
                              s.claims_squared_weighted,
                              static_cast<double>(book.size()),
                              static_cast<double>(res.n_renewals - before.renewals),
                              static_cast<double>(res.n_renewals_with_enbp - before.with_enbp),
                              static_cast<double>(res.n_bound_conflicts - before.bound_conflicts),
                              row_error ? 1.0 : 0.0};
  sums.insert(sums.end(), P.group_weight.begin(), P.group_weight.end());
  P.first_policy = comm.sum_below(book.size());
  comm.sum(sums);
  if (row_error) throw *row_error;
  if (sums[11] > 0) throw PeerFailed();
  const double gwp_ref = sums[0], claims_ref = sums[1], weight_sum = sums[2], wtc_sum = sums[3];
  P.renewal_weight = sums[4];
  const double claims_mean = sums[5] / weight_sum;
  const double claims_var = std::max(sums[6] / weight_sum - claims_mean * claims_mean, 0.0);
  P.claims_cv = claims_mean > 0 ? std::sqrt(claims_var) / claims_mean : 0.0;
  P.total_policies = static_cast<uint64_t>(sums[7]);
  res.n_renewals = before.renewals + static_cast<int64_t>(sums[8]);
  res.n_renewals_with_enbp = before.with_enbp + static_cast<int64_t>(sums[9]);
  res.n_bound_conflicts = before.bound_conflicts + static_cast<int64_t>(sums[10]);
  P.bound_conflicts = static_cast<int64_t>(sums[10]);
  std::copy(sums.begin() + 12, sums.end(), P.group_weight.begin());
  res.n_policies = static_cast<int64_t>(P.total_policies);

  P.profit_scale = gwp_ref;
  P.lr_ref = claims_ref / gwp_ref;
  P.mean_premium = wtc_sum / weight_sum;
  P.total_weight = weight_sum;
}

}  // namespace

Problem prepare_problem(const BookView& book, const OptimiseOptions& o, SolveResult& res, const Communicator& comm) {
  Problem P = sized_problem(book, o);
  const Counts before{res.n_renewals, res.n_renewals_with_enbp, res.n_bound_conflicts};
  std::optional<InputError> row_error;  // thrown after the book-wide sums, which are collective
  const RowSums sums = fill_policies(book, o, P, res, row_error);
  sum_over_ranks(book, sums, before, row_error, P, res, comm);
  build_constraints(P, book, o, res);
  return P;
}

void build_constraints(Problem& P, const BookView& /*book*/, const OptimiseOptions& o, SolveResult& res) {
  const int K = P.K;
  const double gwp_ref = P.profit_scale, lr_ref = P.lr_ref;
  const PolicyArrays& pa = P.policies;
  P.constraints.clear();
  P.separable = true;
  P.objective.profit = o.objective == Objective::profit;
  P.objective.scale = P.objective.profit ? gwp_ref : (lr_ref > 0 ? lr_ref : 1.0);
  if (!P.objective.profit && !o.gwp_min && !o.retention_min)
    res.warnings.push_back(
        "objective loss_ratio without gwp_min or retention_min: the answer is the smallest "
        "loss ratio within the bounds, usually every price at its upper bound");

  // --- constraints (SPEC §1.5), scaled so that g is a relative quantity
  auto linear = [&](ConstraintKind kind, Vec v, double rhs, double limit, ConstraintTerm::Relax relax) {
    ConstraintTerm t;
    t.form = ConstraintTerm::Form::linear;
    t.kind = kind;
    t.label = to_string(kind);
    t.v = std::move(v);
    t.b = rhs;
    t.limit = limit;
    t.relax = relax;
    t.renewal_weight = P.renewal_weight;
    P.constraints.push_back(std::move(t));
  };

  if (o.lr_max) {
    double lr = *o.lr_max;
    if (o.model_quality_adjusted_lr) {
      const double cv = o.model_cv_lambda ? *o.model_cv_lambda : std::max(P.claims_cv, 0.1);
      lr *= 1.0 + model_quality_lr_error(*o.model_rho, cv, 1.0);
    }
    P.lr_max_in_force = lr;
    const double scale = lr * gwp_ref;
    if (o.stochastic_lr) {
      ConstraintTerm t;
      t.form = ConstraintTerm::Form::stochastic_lr;
      t.kind = ConstraintKind::lr_max;
      t.label = "lr_max (stochastic)";
      t.limit = lr;
      t.z = std::sqrt(o.stochastic_alpha / (1.0 - o.stochastic_alpha));
      t.scale = scale;
      t.relax = ConstraintTerm::Relax::lr_like;
      P.constraints.push_back(t);
      P.separable = false;
    } else {
      Vec v = (unit(K, b::claims, 1.0) - unit(K, b::gwp, lr)) / scale;
      linear(ConstraintKind::lr_max, v, 0.0, lr, ConstraintTerm::Relax::lr_like);
      P.constraints.back().scale = scale;
    }
  }
  if (o.lr_min) {
    const double lr = *o.lr_min, scale = lr * gwp_ref;
    linear(ConstraintKind::lr_min, (unit(K, b::gwp, lr) - unit(K, b::claims, 1.0)) / scale, 0.0, lr,
           ConstraintTerm::Relax::lr_like);
    P.constraints.back().scale = scale;
  }
  if (o.gwp_min) {
    linear(ConstraintKind::gwp_min, unit(K, b::gwp, -1.0 / *o.gwp_min), -1.0, *o.gwp_min,
           ConstraintTerm::Relax::gwp_floor);
    P.constraints.back().scale = *o.gwp_min;
  }
  if (o.gwp_max) {
    linear(ConstraintKind::gwp_max, unit(K, b::gwp, 1.0 / *o.gwp_max), 1.0, *o.gwp_max, ConstraintTerm::Relax::gwp_cap);
    P.constraints.back().scale = *o.gwp_max;
  }
  if (o.retention_min) {
    if (P.renewal_weight > 0) {
      const double scale = *o.retention_min * P.renewal_weight;
      linear(ConstraintKind::retention_min, unit(K, b::renewal, -1.0 / scale), -1.0, *o.retention_min,
             ConstraintTerm::Relax::retention);
      P.constraints.back().scale = scale;
    } else {
      res.warnings.push_back("retention_min ignored: the book has no renewals");
    }
  }
  if (o.fairness_max) {
    const double f = *o.fairness_max;
    const bool premium = o.fairness_metric == FairnessMetric::premium_disparity;
    const double mean_premium = P.mean_premium;
    for (int a = 0; a < pa.n_groups; ++a) {
      for (int c = 0; c < pa.n_groups; ++c) {
        if (a == c || P.group_weight[a] <= 0 || P.group_weight[c] <= 0) continue;
        const std::string label = "fairness_max[" + P.group_names[a] + "/" + P.group_names[c] + "]";
        if (premium) {
          // mean premium of a ≤ f · mean premium of c
          const double scale = f * mean_premium;
          Vec v = (unit(K, b::group_premium(a), 1.0 / P.group_weight[a]) -
                   unit(K, b::group_premium(c), f / P.group_weight[c])) /
                  scale;
          linear(ConstraintKind::fairness_max, v, 0.0, f, ConstraintTerm::Relax::premium_pair);
          P.constraints.back().label = label;
          P.constraints.back().scale = scale;
        } else {
          ConstraintTerm t;
          t.form = ConstraintTerm::Form::lr_ratio_pair;
          t.kind = ConstraintKind::fairness_max;
          t.label = label;
          t.limit = f;
          t.scale = f * lr_ref;
          t.relax = ConstraintTerm::Relax::lr_pair;
          P.constraints.push_back(t);
          P.separable = false;
        }
        P.constraints.back().group_a = a;
        P.constraints.back().group_b = c;
        P.constraints.back().group_weight_b = P.group_weight[c];
      }
    }
  }
  if (!P.objective.profit) P.separable = false;
}

// ---------------------------------------------------------------- reporting

PortfolioMetrics portfolio_metrics(const Problem& P, const Vec& T) { return portfolio_metrics(T, P.renewal_weight); }

PortfolioMetrics portfolio_metrics(const Vec& T, double renewal_weight) {
  PortfolioMetrics m;
  m.gwp = T[b::gwp];
  m.claims = T[b::claims];
  m.profit = T[b::gwp] - T[b::claims] - T[b::expense];
  m.loss_ratio = T[b::claims] / T[b::gwp];
  m.retention = renewal_weight > 0 ? T[b::renewal] / renewal_weight : std::numeric_limits<double>::quiet_NaN();
  return m;
}

double shadow_price_unit(ConstraintKind kind) {
  // money per money of GWP; per percentage point (0.01) of LR, retention or the disparity ratio
  return kind == ConstraintKind::gwp_min || kind == ConstraintKind::gwp_max ? 1.0 : 0.01;
}

void record_lagrangian(const Problem& P, const std::vector<double>& lambda, SolveResult& res) {
  AnswerLagrangian& L = res.lagrangian;
  L.terms.clear();
  const Vec T = Eigen::Map<const Vec>(L.basis_sums.data(), static_cast<Eigen::Index>(L.basis_sums.size()));
  for (size_t k = 0; k < P.constraints.size(); ++k) {
    const ConstraintTerm& t = P.constraints[k];
    LagrangianTerm term;
    term.kind = t.kind;
    term.label = t.label;
    term.multiplier = k < lambda.size() ? lambda[k] : 0.0;
    term.linear = t.is_linear();
    if (T.size() == P.K)
      term.business_value = term.multiplier * t.relax_gradient(T) * P.objective.scale * shadow_price_unit(t.kind);
    L.terms.push_back(term);
  }
  L.linearised = !P.separable;
  L.objective_scale = P.objective.scale;
  L.profit_scale = P.profit_scale;
  L.lr_ref = P.lr_ref;
  L.mean_premium = P.mean_premium;
  L.renewal_weight = P.renewal_weight;
  L.total_weight = P.total_weight;
  L.claims_cv = P.claims_cv;
  L.lr_max_in_force = P.lr_max_in_force;
  L.group_names = P.group_names;
  L.group_weight = P.group_weight;
}

std::vector<ConstraintReport> report_constraints(const Problem& P, const OptimiseOptions& o, const Vec& T,
                                                 const std::vector<double>& lambda, double tolerance) {
  std::vector<ConstraintReport> out;
  const PortfolioMetrics pm = portfolio_metrics(P, T);
  const double money = P.objective.scale;  // converts scaled multipliers to money (or LR) units
  auto find = [&](ConstraintKind kind) -> ConstraintReport& {
    for (auto& r : out)
      if (r.kind == kind) return r;
    out.emplace_back();
    out.back().kind = kind;
    return out.back();
  };
  for (size_t k = 0; k < P.constraints.size(); ++k) {
    const ConstraintTerm& t = P.constraints[k];
    ConstraintReport& r = find(t.kind);
    r.limit = t.limit;
    const double shadow = lambda.empty() ? 0.0 : lambda[k] * t.relax_gradient(T) * money * shadow_price_unit(t.kind);
    if (t.kind == ConstraintKind::lr_max) {
      const double sigma = o.stochastic_lr ? std::sqrt(std::max(T[b::variance], 0.0)) / T[b::gwp] : 0.0;
      r.value = pm.loss_ratio + t.z * sigma;
      r.slack = t.limit - r.value;
      r.shadow_price = shadow;
    } else if (t.kind == ConstraintKind::lr_min) {
      r.value = pm.loss_ratio;
      r.slack = r.value - t.limit;
      r.shadow_price = shadow;
    } else if (t.kind == ConstraintKind::gwp_min) {
      r.value = pm.gwp;
      r.slack = r.value - t.limit;
      r.shadow_price = shadow;
    } else if (t.kind == ConstraintKind::gwp_max) {
      r.value = pm.gwp;
      r.slack = t.limit - r.value;
      r.shadow_price = shadow;
    } else if (t.kind == ConstraintKind::retention_min) {
      r.value = pm.retention;
      r.slack = r.value - t.limit;
      r.shadow_price = shadow;
    } else if (t.kind == ConstraintKind::fairness_max) {
      // disparity = max over groups / min over groups of the group's measure
      double hi = -1e300, lo = 1e300;
      for (int g = 0; g < P.policies.n_groups; ++g) {
        if (P.group_weight[g] <= 0) continue;
        const double q = o.fairness_metric == FairnessMetric::premium_disparity
                             ? T[b::group_premium(g)] / P.group_weight[g]
                             : T[b::group_claims(g)] / T[b::group_gwp(g)];
        hi = std::max(hi, q);
        lo = std::min(lo, q);
      }
      r.value = hi / lo;
      r.slack = t.limit - r.value;
      r.shadow_price += shadow;
    }
  }
  for (auto& r : out) {
    r.relative_violation = std::max(0.0, -r.slack) / std::fabs(r.limit);
    // at its limit: within tolerance, or priced by a positive multiplier (never when violated)
    r.binding = r.relative_violation <= tolerance &&
                (r.shadow_price > 0.0 || std::fabs(r.slack) <= 1e3 * tolerance * std::fabs(r.limit));
    const char* per = (r.kind == ConstraintKind::gwp_min || r.kind == ConstraintKind::gwp_max) ? "money of GWP"
                      : r.kind == ConstraintKind::retention_min ? "percentage point of retention"
                      : r.kind == ConstraintKind::fairness_max  ? "0.01 of the disparity ratio"
                                                                : "percentage point of loss ratio";
    r.shadow_price_unit = std::string(P.objective.profit ? "profit per " : "loss ratio per ") + per;
  }
  return out;
}

}  // namespace rateopt
