// `rateopt price --grid`'s work: a grid streamed through the rule a chunk of policies at a time, priced.csv
// written as it goes, and the batch's sums evaluated against the limits the rule was solved for.
#include <omp.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "grid/grid_backend.hpp"
#include "grid/grid_problem.hpp"
#include "io/format.hpp"
#include "pricing/batch_json.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid_rule.hpp"

namespace rateopt {

namespace {

namespace term = math::grid_term;

// The batch's sums, added policy by policy in file order.
struct GridBatchSums {
  std::vector<double> terms;
  double total_weight = 0, renewal_weight = 0;
};

// Sum limits (money, a column's units) scale with the batch's weight; LR, retention and ratios do not.
bool scales_with_weight(GridConstraintKind kind) {
  using K = GridConstraintKind;
  return kind == K::gwp_min || kind == K::gwp_max || kind == K::sum_min || kind == K::sum_max;
}

void evaluate_constraints(const GridPricingRule& rule, const GridBatchSums& s, double drift_tolerance,
                          GridBatchReport& report) {
  const double share = rule.solved_total_weight() > 0 ? s.total_weight / rule.solved_total_weight() : 1.0;
  for (const GridRuleConstraint& c : rule.constraints()) {
    GridRow row;  // the solve's own evaluation of the constraint
    row.kind = c.kind;
    row.name = c.name;
    row.num = c.numerator_term;
    row.den_term = c.denominator_term;
    row.den_constant = c.kind == GridConstraintKind::retention_min ? s.renewal_weight : c.denominator_constant;
    row.at_most = c.at_most;
    row.limit = scales_with_weight(c.kind) ? c.limit * share : c.limit;
    const GridConstraintReport r = row.report(s.terms, c.multiplier, 0.0);
    BatchConstraint out;
    out.name = c.name;
    out.value = r.value;
    out.limit = r.limit;
    out.relative_violation = r.relative_violation;
    out.broken = !(r.relative_violation <= drift_tolerance);
    if (out.broken)
      report.warnings.push_back(c.name + " is " + shortest(r.value) + " on this batch against the solved limit " +
                                shortest(r.limit) +
                                " (the batch's mix differs from the solved grid's; re-solve to hold it)");
    report.constraints.push_back(out);
  }
}

// A chunk's policies priced by the rule, each on its own (in parallel: price_policy neither allocates nor
// writes anything shared).
void price_policies(const GridPricingRule& rule, const GridBook& chunk, int threads, GridPricedPolicy* priced) {
  const auto n = static_cast<ptrdiff_t>(chunk.policies());
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
  for (ptrdiff_t i = 0; i < n; ++i) priced[i] = rule.price_policy(chunk, static_cast<size_t>(i));
}

// The chunk's answers added in policy order (a cap that cannot apply is an InputError naming its line).
void add_priced(const GridPricingRule& rule, const GridBook& chunk, const GridPricedPolicy* priced, GridBatchSums& sums,
                GridBatchReport& report) {
  std::vector<double> phi(sums.terms.size());
  for (size_t i = 0; i < chunk.policies(); ++i) {
    const GridPricedPolicy& p = priced[i];
    if (p.caps_failed)
      throw InputError(
          band_problem_text(chunk, i, candidate_band(chunk, i, rule.max_rate_change(), rule.enbp_buffer())));
    grid_row_terms(chunk, i, p.row, phi.data());
    for (size_t t = 0; t < phi.size(); ++t) sums.terms[t] += phi[t];
    sums.total_weight += chunk.weight[i];
    if (chunk.renewal[i]) {
      sums.renewal_weight += chunk.weight[i];
      ++report.n_renewals;
    }
    report.n_candidates += static_cast<int64_t>(chunk.rows_of(i));
    report.n_candidates_kept += p.candidates;
    report.n_ties += p.tie;
    report.n_bound_conflicts += p.bound_conflict;
  }
  report.n_policies += static_cast<int64_t>(chunk.policies());
}

// The portfolio of the batch and its constraints against the solved limits.
void finish_report(const GridPricingRule& rule, const GridBatchSums& sums, const PriceOptions& options,
                   GridBatchReport& report) {
  const std::vector<double>& S = sums.terms;
  report.profit = S[term::profit];
  report.gwp = S[term::gwp];
  report.claims = S[term::claims];
  report.loss_ratio = S[term::claims] / S[term::gwp];
  report.volume = S[term::volume];
  report.retention = sums.renewal_weight > 0 ? S[term::retained] / sums.renewal_weight : NAN;
  evaluate_constraints(rule, sums, options.drift_tolerance, report);
}

int price_threads(const PriceOptions& options) { return options.threads > 0 ? options.threads : omp_get_max_threads(); }

}  // namespace

GridBatchReport price_grid_file(const GridPricingRule& rule, const std::string& grid_path,
                                const std::function<void(std::string_view)>& write_priced,
                                const PriceOptions& options) {
  GridChunkReader reader(grid_path, rule.constrained_columns(), static_cast<size_t>(options.chunk_rows));
  write_priced(std::string(kGridChoiceHeader) + "\n");
  GridBatchReport report;
  GridBatchSums sums;
  sums.terms.assign(rule.term_prices().size(), 0.0);
  GridBook chunk;
  std::string text;
  std::vector<GridPricedPolicy> priced;
  for (bool first = true; reader.next(chunk); first = false) {
    if (first) report.warnings = chunk.warnings;
    rule.check_columns(chunk);
    priced.resize(chunk.policies());
    price_policies(rule, chunk, price_threads(options), priced.data());
    add_priced(rule, chunk, priced.data(), sums, report);
    text.clear();
    for (size_t i = 0; i < chunk.policies(); ++i) {
      append_grid_choice(text, chunk, i, priced[i].row, static_cast<size_t>(priced[i].candidates));
      text += '\n';
    }
    write_priced(text);
  }
  finish_report(rule, sums, options, report);
  return report;
}

GridBatchReport price_grid_book(const GridPricingRule& rule, const GridBook& grid,
                                std::vector<GridPricedPolicy>& priced, const PriceOptions& options) {
  rule.check_columns(grid);
  GridBatchReport report;
  report.warnings = grid.warnings;
  GridBatchSums sums;
  sums.terms.assign(rule.term_prices().size(), 0.0);
  priced.assign(grid.policies(), GridPricedPolicy{});
  price_policies(rule, grid, price_threads(options), priced.data());
  add_priced(rule, grid, priced.data(), sums, report);
  finish_report(rule, sums, options, report);
  return report;
}

std::string grid_batch_report_json(const GridPricingRule& rule, const GridBatchReport& r) {
  nlohmann::ordered_json j;
  j["n_policies"] = r.n_policies;
  j["n_renewals"] = r.n_renewals;
  j["n_candidates"] = r.n_candidates;
  j["n_candidates_kept"] = r.n_candidates_kept;
  j["expected_profit"] = finite_or_null(r.profit);
  j["expected_gwp"] = finite_or_null(r.gwp);
  j["expected_claims"] = finite_or_null(r.claims);
  j["expected_loss_ratio"] = finite_or_null(r.loss_ratio);
  j["expected_retention"] = finite_or_null(r.retention);
  j["expected_volume"] = finite_or_null(r.volume);
  j["constraints"] = batch_constraints_json(r.constraints);
  j["n_ties"] = r.n_ties;
  j["n_bound_conflicts"] = r.n_bound_conflicts;
  j["warnings"] = r.warnings;
  j["rule"] = {{"kind", "grid"},
               {"solved_grid_sha256", rule.grid_sha256()},
               {"solve_status", to_string(rule.solve_status())},
               {"schema_version", GridPricingRule::kSchemaVersion}};
  return j.dump(2);
}

std::string grid_batch_report_text(const GridBatchReport& r) {
  std::ostringstream s;
  s << "priced " << r.n_policies << " policies (" << r.n_renewals << " renewals, " << r.n_candidates_kept << " of "
    << r.n_candidates << " candidates within the caps)\n";
  s << "  expected profit " << shortest(r.profit) << ", GWP " << shortest(r.gwp) << ", loss ratio "
    << shortest(r.loss_ratio);
  if (r.n_renewals > 0) s << ", retention " << shortest(r.retention);
  s << "\n";
  for (const BatchConstraint& c : r.constraints)
    s << "  " << c.name << ": " << shortest(c.value) << " on the batch, solved limit " << shortest(c.limit)
      << (c.broken ? "  BROKEN" : "") << "\n";
  s << "  ties " << r.n_ties << ", bound conflicts " << r.n_bound_conflicts << "\n";
  return s.str();
}

}  // namespace rateopt
