// A priced batch's sums and its report: the solve's own constraint terms (build_constraints,
// report_constraints) evaluated on the batch, against the limits the rule was solved for.
#include <cmath>
#include <sstream>

#include "optimise/problem.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

namespace b = math::basis;

BatchSums::BatchSums(const PricingRule& rule)
    : basis(static_cast<size_t>(b::size(static_cast<int>(rule.group_names().size()))), 0.0),
      group_weight(rule.group_names().size(), 0.0) {}

void BatchSums::add(const PricingRule& rule, const Quote& q, const PricedQuote& p) {
  const math::PolicyCoefficients c = math::policy_coefficients(q.weight, q.technical_price, q.expected_loss_cost,
                                                               q.expense, q.renewal, q.claims_variance);
  double global[b::global_count], group3[b::per_group];
  math::basis_terms(c, p.expected_demand, p.multiplier, global, group3);
  for (int k = 0; k < b::global_count; ++k) basis[k] += global[k];
  if (rule.needs_group() && q.group >= 0) {
    for (int k = 0; k < b::per_group; ++k) basis[b::group_premium(q.group) + k] += group3[k];
    group_weight[q.group] += q.weight;
  }
  total_weight += q.weight;
  premium_weight += c.wtc;
  renewal_weight += c.wr;
  n_renewals += q.renewal ? 1 : 0;
  ++n_quotes;
  n_ties += p.tie ? 1 : 0;
  n_bound_conflicts += p.bound_conflict ? 1 : 0;
  ++n_binding[p.binding == BindingBound::none ? 0 : 1 + static_cast<size_t>(p.binding_rule)];
}

namespace {

/// The solve's problem reduced to what its constraint terms need, with the batch's weights: limits are
/// the solved ones (the model-quality relaxation from the solved book's claims CV), GWP limits pro
/// rata to the batch's weight.
Problem batch_problem(const PricingRule& rule, const BatchSums& s, OptimiseOptions& options) {
  const AnswerLagrangian& L = rule.lagrangian();
  Problem P;
  P.policies.n_groups = static_cast<int>(L.group_names.size());
  P.K = b::size(P.policies.n_groups);
  P.group_names = L.group_names;
  P.group_weight = s.group_weight;
  P.renewal_weight = s.renewal_weight;
  P.total_weight = s.total_weight;
  P.mean_premium = s.total_weight > 0 ? s.premium_weight / s.total_weight : L.mean_premium;
  P.profit_scale = L.profit_scale;
  P.lr_ref = L.lr_ref;
  P.claims_cv = L.claims_cv;
  const double share = L.total_weight > 0 ? s.total_weight / L.total_weight : 1.0;
  if (options.gwp_min) *options.gwp_min *= share;
  if (options.gwp_max) *options.gwp_max *= share;
  SolveResult ignored;  // its warnings (retention without renewals) are the report's own
  build_constraints(P, Book{}, options, ignored);
  return P;
}

std::string number(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

}  // namespace

BatchReport batch_report(const PricingRule& rule, const BatchSums& s, double drift_tolerance) {
  BatchReport r;
  r.n_quotes = s.n_quotes;
  r.n_renewals = s.n_renewals;
  r.n_ties = s.n_ties;
  r.n_bound_conflicts = s.n_bound_conflicts;
  r.n_binding = s.n_binding;
  const AnswerLagrangian& L = rule.lagrangian();
  // quotes priced by prices that are not the solve's pure dual answer (linearised, or the solve ended
  // in its augmented-Lagrangian phase): every one of them
  r.n_linearised = L.linearised || !L.exact_dual ? s.n_quotes : 0;
  if (s.n_quotes == 0) return r;

  OptimiseOptions options = rule.options();
  const Problem P = batch_problem(rule, s, options);
  const Vec T = Eigen::Map<const Vec>(s.basis.data(), static_cast<Eigen::Index>(s.basis.size()));
  const PortfolioMetrics pm = portfolio_metrics(P, T);
  r.profit = pm.profit;
  r.gwp = pm.gwp;
  r.claims = pm.claims;
  r.loss_ratio = pm.loss_ratio;
  r.retention = pm.retention;
  for (const ConstraintReport& c : report_constraints(P, options, T, {}, options.tolerance)) {
    BatchConstraint bc;
    bc.name = to_string(c.kind);
    bc.value = c.value;
    bc.limit = c.limit;
    bc.relative_violation = c.relative_violation;
    bc.broken = c.relative_violation > drift_tolerance;
    if (bc.broken)
      r.warnings.push_back("the batch breaks " + bc.name + ": " + number(bc.value) + " against the solved limit " +
                           number(bc.limit) + " (" + number(100 * bc.relative_violation) +
                           "% beyond it): its mix differs from the solved book; consider a new solve");
    r.constraints.push_back(bc);
  }
  if (rule.options().retention_min && s.renewal_weight <= 0)
    r.warnings.push_back("retention_min not evaluated: the batch has no renewals");
  if (rule.solve_status() != SolveStatus::converged)
    r.warnings.push_back(std::string("the rule comes from a solve that ended ") + to_string(rule.solve_status()) +
                         ": its prices need not meet the solved limits");
  if (L.linearised) {
    std::string names;
    for (const LagrangianTerm& t : L.terms)
      if (!t.linear) names += (names.empty() ? "" : ", ") + t.label;
    if (rule.options().objective == Objective::loss_ratio)
      names += (names.empty() ? "" : ", ") + std::string("the loss-ratio objective");
    r.linearisation_note = "prices linearise " + names + " at the solved answer (every quote counted as linearised)";
  } else if (!L.exact_dual) {
    r.linearisation_note =
        "the solve's answer came from its augmented-Lagrangian phase: the solved book's multipliers agree with "
        "these prices to the solve's stationarity tolerance, not exactly (every quote counted)";
  }
  return r;
}

}  // namespace rateopt
