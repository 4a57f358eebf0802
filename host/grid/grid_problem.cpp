// Options, caps and constraint rows of the grid solve.
#include "grid/grid_problem.hpp"

#include <algorithm>
#include <cmath>

#include "grid/grid_backend.hpp"
#include "io/csv_cursor.hpp"
#include "io/format.hpp"
#include "io/text.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {

namespace {

namespace term = math::grid_term;

// The quantities a constraint may name besides the grid's own columns.
struct NamedTerm {
  const char* name;
  int term;
};
constexpr NamedTerm kQuantities[] = {{"gwp", term::gwp},
                                     {"claims", term::claims},
                                     {"profit", term::profit},
                                     {"volume", term::volume},
                                     {"retained", term::retained}};

// One sum or ratio entry as written: "col=v", "col=v%", "num/den=v".
struct Entry {
  std::string num, den;
  double value = 0;
  bool percent = false;
};

Entry parse_entry(const std::string& option, const std::string& text, bool ratio) {
  const std::string flag = "option --" + option.substr(0, option.find('_')) + "-" + option.substr(option.find('_') + 1);
  const std::string form = ratio ? "numerator/denominator=value" : "column=value or column=value%";
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw InputError(flag + " = " + quoted_text(text) + " must read " + form);
  Entry e;
  std::string lhs = text.substr(0, eq), rhs = text.substr(eq + 1);
  if (!ratio && !rhs.empty() && rhs.back() == '%') {
    e.percent = true;
    rhs.pop_back();
  }
  double value = 0;
  if (!parse_number(rhs, value).empty())
    throw InputError(flag + " = " + quoted_text(text) + ": " + quoted_text(rhs) + " is not a number (" + form + ")");
  e.value = value;
  if (ratio) {
    const size_t slash = lhs.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == lhs.size())
      throw InputError(flag + " = " + quoted_text(text) + " must read " + form);
    e.num = lhs.substr(0, slash);
    e.den = lhs.substr(slash + 1);
  } else {
    e.num = lhs;
  }
  return e;
}

}  // namespace

// Declared in rateopt/grid.hpp.
void GridOptions::validate() const {
  check_option_bounds(*this);
  if (lr_min && lr_max && *lr_min >= *lr_max)
    throw InputError("option lr_min " + shortest(*lr_min) + " must be < lr_max " + shortest(*lr_max));
  if (gwp_min && gwp_max && *gwp_min > *gwp_max)
    throw InputError("option gwp_min " + shortest(*gwp_min) + " must be ≤ gwp_max " + shortest(*gwp_max));
  for (const auto* list : {&sum_min, &sum_max})
    for (const std::string& s : *list) parse_entry(list == &sum_min ? "sum_min" : "sum_max", s, false);
  for (const auto* list : {&ratio_max, &ratio_min})
    for (const std::string& s : *list) parse_entry(list == &ratio_max ? "ratio_max" : "ratio_min", s, true);
}

std::vector<std::string> grid_constraint_columns(const GridOptions& o) {
  std::vector<std::string> names;
  for (const std::string& s : o.sum_min) names.push_back(parse_entry("sum_min", s, false).num);
  for (const std::string& s : o.sum_max) names.push_back(parse_entry("sum_max", s, false).num);
  for (const auto* list : {&o.ratio_max, &o.ratio_min})
    for (const std::string& s : *list) {
      const Entry e = parse_entry("ratio_max", s, true);
      names.push_back(e.num);
      names.push_back(e.den);
    }
  return names;
}

double GridRow::quantity(const std::vector<double>& S) const {
  const double den = den_term >= 0 ? S[static_cast<size_t>(den_term)] : den_constant;
  return S[static_cast<size_t>(num)] / den;
}

double GridRow::excess(const std::vector<double>& S, double rhs_share) const {
  double v = -rhs * rhs_share;
  for (size_t t = 0; t < coef.size(); ++t) v += coef[t] * S[t];
  return v;
}

bool GridRow::holds(const std::vector<double>& S, double tolerance) const {
  const double q = quantity(S);
  if (std::isnan(q)) return excess(S) <= tolerance * scale;
  const double slack = at_most ? limit - q : q - limit;
  return slack >= -tolerance * std::max(std::fabs(limit), limit == 0 ? scale : 0.0);
}

GridRow GridRow::loosened(double tolerance) const {
  GridRow row = *this;
  const double sign = at_most ? 1.0 : -1.0;
  row.limit = limit + sign * tolerance * std::max(std::fabs(limit), limit == 0 ? scale : 0.0);
  if (den_term >= 0)
    row.coef[static_cast<size_t>(den_term)] -= sign * (row.limit - limit);
  else
    row.rhs = sign * row.limit * den_constant;
  return row;
}

GridConstraintReport GridRow::report(const std::vector<double>& S, double lambda, double tolerance) const {
  GridConstraintReport r;
  r.kind = kind;
  r.name = name;
  r.value = quantity(S);
  r.limit = limit;
  r.slack = at_most ? limit - r.value : r.value - limit;
  const double reference = limit != 0 ? std::fabs(limit) : std::max(scale, 1e-300);
  r.relative_violation = std::max(0.0, -r.slack) / reference;
  r.binding = std::fabs(r.slack) <= std::max(tolerance, 1e-7) * reference || lambda > 0;
  const double den = den_term >= 0 ? S[static_cast<size_t>(den_term)] : den_constant;
  r.shadow_price = lambda * std::fabs(den) * unit;
  r.shadow_price_unit = "profit per " + unit_name;
  r.numerator_term = num;
  r.denominator_term = den_term;
  r.denominator_constant = den_constant;
  r.at_most = at_most;
  return r;
}

std::vector<double> grid_choice_sums(const GridBook& grid, int terms, const std::vector<int32_t>& choice) {
  std::vector<double> S(static_cast<size_t>(terms), 0.0), phi(static_cast<size_t>(terms));
  for (size_t i = 0; i < grid.policies(); ++i) {
    grid_row_terms(grid, i, static_cast<size_t>(choice[i]), phi.data());
    for (size_t t = 0; t < S.size(); ++t) S[t] += phi[t];
  }
  return S;
}

// Rate change: premium within baseline·[1−δ, 1+δ].  ENBP (renewals with an enbp): premium ≤
// enbp·(1−buffer); where that leaves nothing within the rate-change band the ENBP wins and the policy
// keeps its highest candidates under the ENBP cap (a bound conflict, as optimise).
CandidateBand candidate_band(const GridBook& g, size_t i, const std::optional<double>& max_rate_change,
                             const std::optional<double>& enbp_buffer) {
  using Problem = CandidateBand::Problem;
  CandidateBand band;
  if (max_rate_change) {
    const size_t b = g.baseline_row(i);
    if (b == static_cast<size_t>(-1)) {
      band.problem = Problem::no_baseline;
      return band;
    }
    band.low = g.premium[b] * (1 - *max_rate_change);
    band.high = g.premium[b] * (1 + *max_rate_change);
  }
  if ((!g.enbp.empty() || enbp_buffer) && g.renewal[i]) {
    if (g.enbp.empty() || std::isnan(g.enbp[i])) {
      if (enbp_buffer) {
        band.problem = Problem::no_enbp;
        return band;
      }
    } else {
      band.enbp_cap = g.enbp[i] * (1 - enbp_buffer.value_or(0.0));
    }
  }
  const double high = std::min(band.high, band.enbp_cap);
  double best_under_enbp = -INFINITY;
  bool any = false;
  for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) {
    any = any || (g.premium[r] >= band.low && g.premium[r] <= high);
    if (g.premium[r] <= band.enbp_cap) best_under_enbp = std::max(best_under_enbp, g.premium[r]);
  }
  band.high = high;
  if (any) return band;
  // Nothing inside both caps: the ENBP wins; keep the highest premium under it.
  if (best_under_enbp == -INFINITY) {
    band.problem = Problem::nothing_under_enbp;
    return band;
  }
  band.low = band.high = best_under_enbp;
  band.conflict = true;
  return band;
}

std::string band_problem_text(const GridBook& g, size_t i, const CandidateBand& band) {
  switch (band.problem) {
    case CandidateBand::Problem::no_baseline:
      return g.where(i) + ": policy " + quoted_text(g.policy_id[i]) +
             " has no baseline row (baseline = 1), which max_rate_change needs";
    case CandidateBand::Problem::no_enbp:
      return g.where(i) + ": renewal " + quoted_text(g.policy_id[i]) +
             " has no enbp, which enbp_buffer needs on every renewal";
    case CandidateBand::Problem::nothing_under_enbp:
      return g.where(i) + ": renewal " + quoted_text(g.policy_id[i]) + " has no candidate at or below its ENBP cap " +
             shortest(band.enbp_cap) + " (enbp·(1−enbp_buffer)); add lower candidates to the grid";
    case CandidateBand::Problem::none:
      break;
  }
  return "";
}

namespace {

void apply_caps(GridBook& g, const GridOptions& o, GridResult& res) {
  const bool rate = o.max_rate_change.has_value();
  const bool enbp_cap = !g.enbp.empty() || o.enbp_buffer.has_value();
  if (!rate && !enbp_cap) return;
  const size_t n = g.policies();
  std::vector<uint8_t> keep(g.candidates(), 1);
  for (size_t i = 0; i < n; ++i) {
    const CandidateBand band = candidate_band(g, i, o.max_rate_change, o.enbp_buffer);
    if (band.problem != CandidateBand::Problem::none) throw InputError(band_problem_text(g, i, band));
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r) keep[r] = band.keeps(g.premium[r]);
    res.n_bound_conflicts += band.conflict;
  }
  size_t kept = 0;
  for (uint8_t k : keep) kept += k;
  res.candidates_removed = static_cast<int64_t>(g.candidates() - kept);
  if (kept == g.candidates()) return;
  // Only here are per-row columns copied: the kept rows into owned storage (a grid viewing the
  // caller's arrays stays a view when the caps remove nothing).
  const auto compacted = [&keep, kept](const GridArray<double>& v) {
    std::vector<double> out;
    out.reserve(kept);
    for (size_t r = 0; r < keep.size(); ++r)
      if (keep[r]) out.push_back(v[r]);
    return out;
  };
  std::vector<int32_t> steps;
  steps.reserve(kept);
  std::vector<uint64_t> offset(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = g.offset[i]; r < g.offset[i + 1]; ++r)
      if (keep[r]) steps.push_back(g.step_of(i, r));
    offset[i + 1] = steps.size();
  }
  g.premium = compacted(g.premium);
  g.demand = compacted(g.demand);
  for (GridColumn* c : {&g.loss_cost, &g.expense})
    if (c->per_row) c->values = compacted(c->values);
  for (GridColumn& c : g.extra)
    if (c.per_row) c.values = compacted(c.values);
  g.offset = std::move(offset);
  g.step = std::move(steps);
  // A baseline removed by the ENBP cap stays recorded by step: baseline_row() then finds none.
}

int resolve_term(const GridBook& g, const std::string& option, const std::string& name) {
  for (size_t k = 0; k < g.extra_names.size(); ++k)
    if (g.extra_names[k] == name) return term::first_extra + static_cast<int>(k);
  for (const NamedTerm& q : kQuantities)
    if (name == q.name) return q.term;
  throw InputError("option " + option + ": " + quoted_text(name) + " is neither a column of " + g.source +
                   " nor one of gwp, claims, profit, volume, retained");
}

// Σ over policies of term t at the baseline rows (every policy must have one).
double baseline_sum(const GridBook& g, int terms, int t, const std::string& option) {
  std::vector<int32_t> choice(g.policies());
  for (size_t i = 0; i < g.policies(); ++i) {
    const size_t b = g.baseline_row(i);
    if (b == static_cast<size_t>(-1))
      throw InputError(g.where(i) + ": policy " + quoted_text(g.policy_id[i]) +
                       " has no baseline row (baseline = 1), which " + option +
                       " (a percent of the baseline's sum) needs");
    choice[i] = static_cast<int32_t>(b);
  }
  return grid_choice_sums(g, terms, choice)[static_cast<size_t>(t)];
}

GridRow make_row(GridConstraintKind kind, std::string name, int terms, int num, int den_term, double den_constant,
                 bool at_most, double limit, double unit, std::string unit_name) {
  GridRow row;
  row.kind = kind;
  row.name = std::move(name);
  row.num = num;
  row.den_term = den_term;
  row.den_constant = den_constant;
  row.at_most = at_most;
  row.limit = limit;
  row.unit = unit;
  row.unit_name = std::move(unit_name);
  row.coef.assign(static_cast<size_t>(terms), 0.0);
  const double sign = at_most ? 1.0 : -1.0;
  row.coef[static_cast<size_t>(num)] += sign;
  if (den_term >= 0) {
    row.coef[static_cast<size_t>(den_term)] -= sign * limit;
    row.rhs = 0;
  } else {
    row.rhs = sign * limit * den_constant;
  }
  return row;
}

}  // namespace

GridProblem prepare_grid_problem(GridBook& g, const GridOptions& o, GridResult& res) {
  using K = GridConstraintKind;
  if (g.pruning) {  // the read applied the caps
    res.n_candidates = g.pruning->rows_read;
    res.candidates_removed = g.pruning->removed_by_caps;
    res.n_bound_conflicts = g.pruning->bound_conflicts;
  } else {
    res.n_candidates = static_cast<int64_t>(g.candidates());
    apply_caps(g, o, res);
  }
  GridProblem P;
  P.terms = term::first_extra + static_cast<int>(g.extra.size());
  for (size_t i = 0; i < g.policies(); ++i)
    if (g.renewal[i]) {
      P.renewal_weight += g.weight[i];
      ++P.renewals;
    }
  const int T = P.terms;
  const std::string pp = "percentage point";
  if (o.lr_max)
    P.rows.push_back(
        make_row(K::lr_max, "lr_max", T, term::claims, term::gwp, 1, true, *o.lr_max, 0.01, pp + " of LR"));
  if (o.lr_min)
    P.rows.push_back(
        make_row(K::lr_min, "lr_min", T, term::claims, term::gwp, 1, false, *o.lr_min, 0.01, pp + " of LR"));
  if (o.gwp_min)
    P.rows.push_back(make_row(K::gwp_min, "gwp_min", T, term::gwp, -1, 1, false, *o.gwp_min, 1, "money of GWP"));
  if (o.gwp_max)
    P.rows.push_back(make_row(K::gwp_max, "gwp_max", T, term::gwp, -1, 1, true, *o.gwp_max, 1, "money of GWP"));
  if (o.retention_min) {
    if (P.renewals == 0) throw InputError("option retention_min: the grid has no renewals (renewal_flag = 1)");
    P.rows.push_back(make_row(K::retention_min, "retention_min", T, term::retained, -1, P.renewal_weight, false,
                              *o.retention_min, 0.01, pp + " of retention"));
  }
  for (const auto* list : {&o.sum_min, &o.sum_max}) {
    const bool at_most = list == &o.sum_max;
    const std::string option = at_most ? "--sum-max" : "--sum-min";
    for (const std::string& text : *list) {
      const Entry e = parse_entry(at_most ? "sum_max" : "sum_min", text, false);
      const int t = resolve_term(g, option, e.num);
      const double limit = e.percent ? e.value / 100 * baseline_sum(g, T, t, option) : e.value;
      P.rows.push_back(make_row(at_most ? K::sum_max : K::sum_min, (at_most ? "sum_max[" : "sum_min[") + e.num + "]", T,
                                t, -1, 1, at_most, limit, 1, "unit of " + e.num));
    }
  }
  for (const auto* list : {&o.ratio_max, &o.ratio_min}) {
    const bool at_most = list == &o.ratio_max;
    const std::string option = at_most ? "--ratio-max" : "--ratio-min";
    for (const std::string& text : *list) {
      const Entry e = parse_entry(at_most ? "ratio_max" : "ratio_min", text, true);
      const int num = resolve_term(g, option, e.num), den = resolve_term(g, option, e.den);
      P.rows.push_back(make_row(at_most ? K::ratio_max : K::ratio_min,
                                (at_most ? "ratio_max[" : "ratio_min[") + e.num + "/" + e.den + "]", T, num, den, 1,
                                at_most, e.value, 1, "unit of " + e.num + "/" + e.den));
    }
  }
  if (o.exact && o.exact_method == GridExactMethod::knapsack && P.rows.size() > 1)
    throw InputError("option exact_method knapsack takes at most one constraint; this solve has " +
                     std::to_string(P.rows.size()) + " (use cbc or auto)");
  return P;
}

}  // namespace rateopt
