// Pricing quotes with a rule: each quote's box (policy_box) and its Lagrangian maximiser, through the
// very functions the solve's argmax pass calls.
#include "rateopt/pricing_rule.hpp"

#include <cmath>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

const char* binding_bound_name(const PricedQuote& priced) {
  return priced.binding == BindingBound::none ? "none" : to_string(priced.binding_rule);
}

Quote quote_from_book(const BookView& book, size_t i, int group) {
  Quote q;
  q.technical_price = book.technical_price[i];
  q.expected_loss_cost = book.expected_loss_cost[i];
  q.p_demand = book.p_demand[i];
  q.elasticity = book.elasticity[i];
  q.renewal = book.renewal_flag[i] != 0;
  q.enbp = book.enbp[i];
  q.prior_multiplier = book.prior_multiplier[i];
  q.claims_variance = book.claims_variance[i];
  q.expense = book.expense[i];
  q.weight = book.weight[i];
  q.group = group;
  return q;
}

int PricingRule::group_index(const std::string& name) const {
  for (size_t g = 0; g < lagrangian_.group_names.size(); ++g)
    if (lagrangian_.group_names[g] == name) return static_cast<int>(g);
  return -1;
}

void PricingRule::prepare() {
  bounds_ = bound_rules(options_);
  kind_ = options_.demand_model == DemandModel::logistic ? math::DemandKind::logistic : math::DemandKind::log_linear;
}

PricedQuote PricingRule::price_one(const Quote& q) const noexcept {
  const PolicyBox box = policy_box(bounds_, q.technical_price, q.prior_multiplier, q.renewal, q.enbp);
  const math::PolicyCoefficients c = math::policy_coefficients(q.weight, q.technical_price, q.expected_loss_cost,
                                                               q.expense, q.renewal, q.claims_variance);
  double d0 = 0, d1 = 0;
  math::demand_parameters(kind_, q.p_demand, q.elasticity, d0, d1);
  const int group = lagrangian_.group_names.empty() ? -1 : q.group;
  const math::Separable s = math::separable_from_prices(c, lagrangian_.basis_prices.data(), group);
  const math::Argmax best = math::separable_argmax_checked(kind_, d0, d1, s, box.lb, box.ub);

  PricedQuote p;
  const double m = best.m;
  const double x = math::demand_value(kind_, d0, d1, m);
  p.multiplier = m;
  p.new_premium = m * q.technical_price;
  p.expected_demand = x;
  p.contribution = (m * q.technical_price - q.expected_loss_cost - q.expense) * x;
  p.rate_change_pct = (m / q.prior_multiplier - 1.0) * 100.0;
  p.lower_bound = box.lb;
  p.upper_bound = box.ub;
  p.tie = best.tie;
  p.bound_conflict = box.conflict;
  if (m >= box.ub) {  // a conflict (lb = ub) reports the upper rule that won
    p.binding = BindingBound::upper;
    p.binding_rule = box.upper;
  } else if (m <= box.lb) {
    p.binding = BindingBound::lower;
    p.binding_rule = box.lower;
  }
  return p;
}

const char* PricingRule::quote_problem(const Quote& q) const noexcept {
  if (!(std::isfinite(q.technical_price) && q.technical_price > 0)) return "technical_price: must be finite and > 0";
  if (!(std::isfinite(q.expected_loss_cost) && q.expected_loss_cost >= 0))
    return "expected_loss_cost: must be finite and >= 0";
  if (!(q.p_demand > 0 && q.p_demand < 1)) return "p_demand: must be in (0,1)";
  if (!std::isfinite(q.elasticity)) return "elasticity: must be finite";
  if (!(std::isfinite(q.prior_multiplier) && q.prior_multiplier > 0)) return "prior_multiplier: must be finite and > 0";
  if (!(std::isfinite(q.claims_variance) && q.claims_variance >= 0)) return "claims_variance: must be finite and >= 0";
  if (!(std::isfinite(q.expense) && q.expense >= 0)) return "expense: must be finite and >= 0";
  if (!(std::isfinite(q.weight) && q.weight > 0)) return "weight: must be finite and > 0";
  if (!std::isnan(q.enbp) && !(std::isfinite(q.enbp) && q.enbp > 0)) return "enbp: must be finite and > 0";
  if (q.renewal && std::isnan(q.enbp) && needs_enbp()) return "enbp: a renewal needs an ENBP when enbp_buffer is set";
  const PolicyBox box = policy_box(bounds_, q.technical_price, q.prior_multiplier, q.renewal, q.enbp);
  if (box.cap_below_box && box.upper == BoundSource::enbp)
    return "enbp: caps the multiplier below min_multiplier (the ENBP wins over the floors, never over the box)";
  if (box.cap_below_box) return "prior_multiplier: with max_rate_change caps the multiplier below min_multiplier";
  if (needs_group() && (q.group < 0 || q.group >= static_cast<int>(lagrangian_.group_names.size())))
    return "group: not a group of the solved book";
  return nullptr;
}

void PricingRule::price(const Quote* quotes, size_t n, PricedQuote* out) const {
  for (size_t i = 0; i < n; ++i)
    if (const char* problem = quote_problem(quotes[i])) throw InputError("quote " + std::to_string(i) + ": " + problem);
  for (size_t i = 0; i < n; ++i) out[i] = price_one(quotes[i]);
}

std::vector<PricedQuote> PricingRule::price(const std::vector<Quote>& quotes) const {
  std::vector<PricedQuote> out(quotes.size());
  price(quotes.data(), quotes.size(), out.data());
  return out;
}

}  // namespace rateopt
