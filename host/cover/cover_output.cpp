// The outputs of `rateopt cover`: one goal's JSON document, and the scenario grid's files
// (scenarios.csv, scenario_policies.csv, result.json).
#include <string>
#include <vector>

#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kTieBreakRule =
    "minimum yearly premium (within 1e-9 relative); then fewest policies; then the count vector "
    "lexicographically largest in quotes-file order";

Json goal_json(const CoverGoal& goal) {
  return Json{{"min_coverage", goal.min_coverage},
              {"min_avg_term", goal.min_avg_term},
              {"max_policies", goal.max_policies ? Json(*goal.max_policies) : Json(nullptr)}};
}

// The outcome of one goal: status, chosen policies and totals (null totals when infeasible).
Json result_json(const std::vector<LifeQuote>& quotes, const CoverResult& r) {
  Json policies = Json::array();
  for (size_t k = 0; k < quotes.size() && r.feasible; ++k) {
    if (r.counts[k] == 0) continue;
    const LifeQuote& q = quotes[k];
    policies.push_back(Json{{"policy_id", q.policy_id},
                            {"insurer", q.insurer},
                            {"term", q.term},
                            {"coverage", q.coverage},
                            {"yearly_premium", q.yearly_premium},
                            {"count", r.counts[k]}});
  }
  const auto total = [&](double x) { return r.feasible ? finite_or_null(x) : Json(nullptr); };
  return Json{{"status", r.feasible ? "optimal" : "infeasible"},
              {"policies", policies},
              {"policy_count", r.feasible ? Json(r.policy_count) : Json(nullptr)},
              {"yearly_premium", total(r.yearly_premium)},
              {"monthly_premium", total(r.monthly_premium)},
              {"total_coverage", total(r.total_coverage)},
              {"wa_term", total(r.wa_term)},
              {"premium_per_thousand", total(r.premium_per_thousand)},
              {"cbc_solves", r.cbc_solves},
              {"seconds", r.seconds}};
}

Json audit_json(const QuoteSet& quotes, const Json& options) {
  return Json{{"inputs", Json{{"quotes", quotes.source},
                              {"sha256", quotes.sha256.empty() ? sha256_file(quotes.source) : quotes.sha256},
                              {"n_quotes", static_cast<int64_t>(quotes.quotes.size())}}},
              {"options", options},
              {"solver", "COIN-OR CBC (C interface), exact integer programme"},
              {"tie_break", kTieBreakRule},
              {"rateopt", Json{{"version", version_string()}, {"git_revision", git_revision()}}},
              {"timestamp_utc", utc_timestamp_now()}};
}

}  // namespace

std::string cover_scenarios_csv(const std::vector<CoverScenario>& scenarios) {
  std::string csv =
      "scenario,min_avg_term,min_tot_cov,policy_count,yearly_premium,wa_term,total_coverage,premium_per_thousand\n";
  for (const CoverScenario& s : scenarios) {
    const CoverResult& r = s.result;
    append_csv_text(csv, s.name);
    csv += ',';
    csv += plain_number(s.goal.min_avg_term);
    csv += ',';
    csv += plain_number(s.goal.min_coverage);
    csv += ',';
    if (r.feasible) {  // an infeasible scenario leaves its outcome fields empty
      csv += std::to_string(r.policy_count);
      for (double x : {r.yearly_premium, r.wa_term, r.total_coverage, r.premium_per_thousand}) {
        csv += ',';
        csv += plain_number(x);
      }
    } else {
      csv += ",,,";
    }
    csv += '\n';
  }
  return csv;
}

std::string cover_scenario_policies_csv(const QuoteSet& set, const std::vector<CoverScenario>& scenarios) {
  std::string csv = "policy_id,insurer,term,coverage,yearly_premium";
  for (const CoverScenario& s : scenarios) {
    csv += ',';
    append_csv_text(csv, s.name);
  }
  csv += '\n';
  for (size_t k = 0; k < set.quotes.size(); ++k) {
    const LifeQuote& q = set.quotes[k];
    append_csv_text(csv, q.policy_id);
    csv += ',';
    append_csv_text(csv, q.insurer);
    for (double x : {q.term, q.coverage, q.yearly_premium}) {
      csv += ',';
      csv += plain_number(x);
    }
    for (const CoverScenario& s : scenarios) {
      csv += ',';
      if (s.result.feasible) csv += std::to_string(s.result.counts[k]);  // empty: infeasible scenario
    }
    csv += '\n';
  }
  return csv;
}

std::string cover_goal_json(const QuoteSet& quotes, const CoverGoal& goal, const CoverResult& result) {
  Json doc{{"kind", "policy_mix"}, {"goal", goal_json(goal)}};
  doc.update(result_json(quotes.quotes, result));
  doc["audit"] = audit_json(quotes, goal_json(goal));
  return doc.dump(2);
}

std::string cover_grid_json(const QuoteSet& quotes, const CoverOptions& options,
                            const std::vector<CoverScenario>& scenarios) {
  Json items = Json::array();
  double seconds = 0;
  for (const CoverScenario& s : scenarios) {
    Json item{{"scenario", s.name}, {"goal", goal_json(s.goal)}};
    item.update(result_json(quotes.quotes, s.result));
    items.push_back(item);
    seconds += s.result.seconds;
  }
  Json echo{{"grid_min_avg_term", options.grid_min_avg_term},
            {"grid_min_coverage", options.grid_min_coverage},
            {"max_policies", options.max_policies ? Json(*options.max_policies) : Json(nullptr)}};
  Json doc{{"kind", "policy_mix_grid"},
           {"n_scenarios", static_cast<int64_t>(scenarios.size())},
           {"scenarios", items},
           {"seconds", seconds},
           {"audit", audit_json(quotes, echo)}};
  return doc.dump(2);
}

std::vector<std::string> cover_grid_output_names() { return {"scenarios.csv", "scenario_policies.csv", "result.json"}; }

void write_cover_grid_outputs(const std::string& out_dir, const QuoteSet& quotes,
                              const std::vector<CoverScenario>& scenarios, const std::string& result_json, bool force) {
  OutputSet outputs(out_dir, cover_grid_output_names(), force);
  outputs.write("scenarios.csv", cover_scenarios_csv(scenarios));
  outputs.write("scenario_policies.csv", cover_scenario_policies_csv(quotes, scenarios));
  outputs.write("result.json", result_json + "\n");
  outputs.commit();
}

}  // namespace rateopt
