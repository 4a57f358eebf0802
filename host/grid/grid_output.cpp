// The grid solve's outputs: policies.csv, result.json (with its audit) and the terminal report.
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/grid_rule.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {
using Json = nlohmann::ordered_json;

Json optional_json(const std::optional<double>& x) { return x ? finite_or_null(*x) : Json(nullptr); }
}  // namespace

namespace {
// One policy's chosen row as policies.csv and priced.csv show it.
struct ChoiceFields {
  int32_t step;
  double premium, demand, loss_cost, contribution, rate_change_pct;  // NaN rate change: no baseline
};
ChoiceFields choice_fields(const GridBook& g, size_t i, size_t row) {
  const double p = g.premium[row], x = g.demand[row], c = g.loss_cost.at(i, row), e = g.expense.at(i, row);
  const size_t b = g.baseline_row(i);
  return {g.step_of(i, row),
          p,
          x,
          c,
          g.weight[i] * (p - c - e) * x,
          b != static_cast<size_t>(-1) ? (p / g.premium[b] - 1) * 100 : std::numeric_limits<double>::quiet_NaN()};
}
}  // namespace

GridPolicyColumns grid_policy_columns(const GridBook& g, const GridResult& r) {
  const size_t n = g.policies();
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  GridPolicyColumns out;
  out.step.assign(n, -1);
  for (auto* column : {&out.premium, &out.demand, &out.expected_loss_cost, &out.contribution, &out.rate_change_pct})
    column->assign(n, kNone);
  out.candidates.resize(n);
  out.split.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    out.candidates[i] = static_cast<int64_t>(g.capped_rows_of(i));
    out.split[i] = r.split.empty() ? 0 : r.split[i];
    const int32_t row = r.choice.empty() ? -1 : r.choice[i];
    if (row < 0) continue;
    const ChoiceFields f = choice_fields(g, i, static_cast<size_t>(row));
    out.step[i] = f.step;
    out.premium[i] = f.premium;
    out.demand[i] = f.demand;
    out.expected_loss_cost[i] = f.loss_cost;
    out.contribution[i] = f.contribution;
    out.rate_change_pct[i] = f.rate_change_pct;
  }
  return out;
}

void append_grid_choice(std::string& out, const GridBook& g, size_t i, size_t row, size_t candidates) {
  constexpr int kMoneyDigits = 10;
  append_csv_text(out, g.policy_id[i]);
  if (row == static_cast<size_t>(-1)) {
    out += ",,,,,,," + std::to_string(candidates);
    return;
  }
  const ChoiceFields f = choice_fields(g, i, row);
  out += ',' + std::to_string(f.step) + ',';
  append_exact(out, f.premium);
  out += ',';
  append_exact(out, f.demand);
  out += ',';
  append_exact(out, f.loss_cost);
  out += ',';
  append_significant(out, f.contribution, kMoneyDigits);
  out += ',';
  if (!std::isnan(f.rate_change_pct)) append_significant(out, f.rate_change_pct, kMoneyDigits);
  out += ',' + std::to_string(candidates);
}

std::string grid_policies_csv(const GridBook& g, const GridResult& r) {
  std::string out = std::string(kGridChoiceHeader) + ",split\n";
  for (size_t i = 0; i < g.policies(); ++i) {
    const int32_t row = r.choice.empty() ? -1 : r.choice[i];
    append_grid_choice(out, g, i, row < 0 ? static_cast<size_t>(-1) : static_cast<size_t>(row), g.capped_rows_of(i));
    out += row >= 0 && !r.split.empty() && r.split[i] ? ",1\n" : ",0\n";
  }
  return out;
}

std::string write_grid_outputs(const std::string& out_dir, const GridBook& grid, const GridOptions& options,
                               const GridResult& result, bool force) {
  return write_grid_outputs(out_dir, grid, options, result, force, {});
}

std::string write_grid_outputs(const std::string& out_dir, const GridBook& grid, const GridOptions& options,
                               const GridResult& result, bool force, const std::vector<ImpactSegment>& segments) {
  // An infeasible grid fixes no constraint prices, so no rule (nor one of an earlier solve left beside it).
  const bool has_rule = !result.term_prices.empty();
  std::vector<std::string> outputs{"result.json", "policies.csv"};
  if (has_rule) outputs.push_back("pricing_rule.json");
  const bool has_impact = !segments.empty();
  if (has_impact) outputs.insert(outputs.end(), impact_output_files().begin(), impact_output_files().end());
  const std::string json = grid_result_json(grid, options, result);
  const std::string rule = has_rule ? GridPricingRule::from_solve(grid, options, result).to_json() : std::string();
  const ImpactFiles impact = has_impact ? impact_files(grid_impact_policies(grid, result), segments) : ImpactFiles();
  OutputSet writer(out_dir, outputs, force);
  writer.write("policies.csv", grid_policies_csv(grid, result));
  writer.write("result.json", json);
  if (has_rule) writer.write("pricing_rule.json", rule);
  if (has_impact) {
    writer.write("impact.csv", impact.csv);
    writer.write("impact.svg", impact.svg);
  }
  writer.commit();
  if (!has_rule) remove_stale_output(out_dir, "pricing_rule.json", "the rule of an earlier solve");
  if (!has_impact) remove_stale_impact_outputs(out_dir);
  return json;
}

const std::vector<std::string>& grid_output_files() {
  static const std::vector<std::string> files{"result.json", "policies.csv", "pricing_rule.json"};
  return files;
}

std::string grid_result_json(const GridBook& g, const GridOptions& o, const GridResult& r) {
  Json doc;
  doc["status"] = to_string(r.status);
  doc["converged"] = r.converged;
  doc["message"] = r.message;
  doc["method"] = r.method;
  doc["exact_method"] = text_or_null(r.exact_method);
  doc["portfolio"] = Json{{"expected_profit", finite_or_null(r.expected_profit)},
                          {"expected_gwp", finite_or_null(r.expected_gwp)},
                          {"expected_claims", finite_or_null(r.expected_claims)},
                          {"expected_loss_ratio", finite_or_null(r.expected_loss_ratio)},
                          {"expected_retention", finite_or_null(r.expected_retention)},
                          {"expected_volume", finite_or_null(r.expected_volume)},
                          {"n_policies", r.n_policies},
                          {"n_candidates", r.n_candidates},
                          {"candidates_removed", r.candidates_removed},
                          {"n_renewals", r.n_renewals},
                          {"n_bound_conflicts", r.n_bound_conflicts}};
  Json evaluation = Json::object(), shadow = Json::object(), units = Json::object(), multipliers = Json::object();
  for (size_t k = 0; k < r.constraints.size(); ++k) {
    const GridConstraintReport& c = r.constraints[k];
    evaluation[c.name] = Json{{"kind", to_string(c.kind)},
                              {"value", finite_or_null(c.value)},
                              {"limit", finite_or_null(c.limit)},
                              {"slack", finite_or_null(c.slack)},
                              {"relative_violation", finite_or_null(c.relative_violation)},
                              {"binding", c.binding},
                              {"shadow_price", finite_or_null(c.shadow_price)},
                              {"unit", c.shadow_price_unit}};
    shadow[c.name] = finite_or_null(c.shadow_price);
    units[c.name] = c.shadow_price_unit;
    multipliers[c.name] = finite_or_null(r.multipliers.empty() ? 0.0 : r.multipliers[k]);
  }
  doc["constraint_evaluation"] = evaluation;
  doc["shadow_prices"] = shadow;
  doc["shadow_price_units"] = units;
  doc["multipliers"] = multipliers;  // profit per unit of each constraint's row, as the pricing rule needs
  doc["dual_bound"] = optional_json(r.dual_bound);
  doc["lp_value"] = optional_json(r.lp_value);
  doc["optimality_gap"] = optional_json(r.optimality_gap);
  doc["n_split"] = r.n_split;
  doc["repair_policies"] = r.repair_policies;
  doc["tightenings"] = r.tightenings;
  doc["exchange_moves"] = r.exchange_moves;
  if (r.infeasibility) {
    Json weights = Json::object();
    for (size_t k = 0; k < r.infeasibility->constraints.size(); ++k)
      weights[r.infeasibility->constraints[k]] = r.infeasibility->weights[k];
    doc["infeasibility"] = Json{{"weights", weights},
                                {"combined_min", r.infeasibility->combined_min},
                                {"combined_limit", r.infeasibility->combined_limit},
                                {"meaning",
                                 "no choice, not even a mix of candidates, brings the weighted sum of the "
                                 "constraint rows (each over its scale) down to the weighted limits"}};
  } else {
    doc["infeasibility"] = nullptr;
  }
  doc["backend"] = Json{{"requested", r.backend_requested},
                        {"used", r.backend_used},
                        {"device_name", text_or_null(r.device_name)},
                        {"fallback_reason", text_or_null(r.fallback_reason)}};
  Json audit;
  audit["inputs"] = Json{{"grid_file", g.source},
                         {"grid_sha256", g.sha256},
                         {"policies", g.policies()},
                         {"candidates_read", r.n_candidates},
                         {"candidates_solved", g.candidates()},
                         {"bytes_per_candidate", g.bytes_per_candidate()},
                         {"bytes_per_policy", g.bytes_per_policy()},
                         {"constrained_columns", g.extra_names}};
  audit["configuration"] = Json::parse(options_to_json(o));
  audit["rateopt"] =
      Json{{"version", version_string()}, {"git_revision", git_revision()}, {"cuda_compiled", RATEOPT_HAVE_CUDA != 0}};
  audit["timestamp_utc"] = utc_timestamp_now();
  audit["solver"] = Json{{"iterations", r.iterations},
                         {"passes", r.passes},
                         {"exact_method", text_or_null(r.exact_method)},
                         {"knapsack_states", r.knapsack_states},
                         {"windowed_passes", r.windowed_passes},
                         {"window_candidates_per_policy", r.window_rows},
                         {"pruned_reads", r.pruned_reads},
                         {"seconds_read", r.seconds_read},
                         {"seconds", r.seconds_total},
                         {"seconds_by_phase", Json{{"dual", r.seconds_dual}, {"primal", r.seconds_primal}}}};
  audit["warnings"] = r.warnings;
  doc["audit"] = audit;
  return doc.dump(2) + "\n";
}

std::string grid_report(const GridResult& r) {
  std::ostringstream s;
  s << "status: " << to_string(r.status) << " — " << r.message << "\n";
  s << "policies " << r.n_policies << ", candidates " << r.n_candidates << " (" << r.candidates_removed
    << " removed by caps)\n";
  s << "profit " << shortest(r.expected_profit) << ", GWP " << shortest(r.expected_gwp) << ", LR "
    << shortest(r.expected_loss_ratio);
  if (!std::isnan(r.expected_retention)) s << ", retention " << shortest(r.expected_retention);
  s << "\n";
  for (const GridConstraintReport& c : r.constraints)
    s << "  " << c.name << ": " << shortest(c.value) << " (limit " << shortest(c.limit) << ", slack "
      << shortest(c.slack) << ")"
      << (c.binding ? ", binding, shadow price " + shortest(c.shadow_price) + " " + c.shadow_price_unit : "") << "\n";
  if (r.dual_bound)
    s << "dual bound " << shortest(*r.dual_bound) << ", gap "
      << (r.optimality_gap ? shortest(*r.optimality_gap) : std::string("n/a")) << "; " << r.n_split
      << " policies split in the relaxation\n";
  s << r.iterations << " iterations, " << r.passes << " passes, " << shortest(r.seconds_total) << " s on "
    << r.backend_used << " (" << r.device_name << ")";
  return s.str();
}

}  // namespace rateopt
