// The grid solve's outputs: policies.csv, result.json (with its audit) and the terminal report.
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/format.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {
using Json = nlohmann::ordered_json;

Json optional_json(const std::optional<double>& x) { return x ? finite_or_null(*x) : Json(nullptr); }
}  // namespace

std::string grid_policies_csv(const GridBook& g, const GridResult& r) {
  constexpr int kMoneyDigits = 10;
  std::string out = "policy_id,step,premium,demand,expected_loss_cost,contribution,rate_change_pct,candidates,split\n";
  for (size_t i = 0; i < g.policies(); ++i) {
    append_csv_text(out, g.policy_id[i]);
    const int32_t row = r.choice.empty() ? -1 : r.choice[i];
    if (row < 0) {
      out += ",,,,,,," + std::to_string(g.rows_of(i)) + ",0\n";
      continue;
    }
    const auto rw = static_cast<size_t>(row);
    const double p = g.premium[rw], x = g.demand[rw], c = g.loss_cost.at(i, rw), e = g.expense.at(i, rw);
    out += ',' + std::to_string(g.step_of(i, rw)) + ',';
    append_exact(out, p);
    out += ',';
    append_exact(out, x);
    out += ',';
    append_exact(out, c);
    out += ',';
    append_significant(out, g.weight[i] * (p - c - e) * x, kMoneyDigits);
    out += ',';
    const size_t b = g.baseline_row(i);
    if (b != static_cast<size_t>(-1)) append_significant(out, (p / g.premium[b] - 1) * 100, kMoneyDigits);
    out += ',' + std::to_string(g.rows_of(i)) + (r.split.empty() || !r.split[i] ? ",0\n" : ",1\n");
  }
  return out;
}

std::string grid_result_json(const GridBook& g, const GridOptions& o, const GridResult& r) {
  Json doc;
  doc["status"] = to_string(r.status);
  doc["converged"] = r.converged;
  doc["message"] = r.message;
  doc["method"] = r.method;
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
                         {"windowed_passes", r.windowed_passes},
                         {"window_candidates_per_policy", r.window_rows},
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
