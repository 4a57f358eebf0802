// `rateopt cover` (SPEC §4.1): the report of one goal, its JSON, and the scenario grid's files
// (scenarios.csv, scenario_policies.csv, result.json).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"
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
                              {"sha256", sha256_file(quotes.source)},
                              {"n_quotes", static_cast<int64_t>(quotes.quotes.size())}}},
              {"options", options},
              {"solver", "COIN-OR CBC (C interface), exact integer programme"},
              {"tie_break", kTieBreakRule},
              {"rateopt", Json{{"version", version_string()}, {"git_revision", git_revision()}}},
              {"timestamp_utc", utc_timestamp_now()}};
}

void print_report(const QuoteSet& set, const CoverGoal& goal, const CoverResult& r) {
  std::printf("Policy mix for coverage >= %s and average term >= %s years%s: %zu quotes, %d CBC solves, %.3f s\n",
              plain_number(goal.min_coverage).c_str(), plain_number(goal.min_avg_term).c_str(),
              goal.max_policies ? (", at most " + std::to_string(*goal.max_policies) + " policies").c_str() : "",
              set.quotes.size(), r.cbc_solves, r.seconds);
  if (!r.feasible) {
    std::printf("infeasible: no mix of these quotes meets the goal\n");
    return;
  }
  std::printf("%-12s %-16s %6s %12s %6s %14s\n", "policy_id", "insurer", "term", "coverage", "count", "yearly_premium");
  for (size_t k = 0; k < set.quotes.size(); ++k) {
    if (r.counts[k] == 0) continue;
    const LifeQuote& q = set.quotes[k];
    std::printf("%-12s %-16s %6s %12s %6lld %14.2f\n", q.policy_id.c_str(), q.insurer.c_str(),
                plain_number(q.term).c_str(), plain_number(q.coverage).c_str(), static_cast<long long>(r.counts[k]),
                q.yearly_premium);
  }
  std::printf("policies %lld, yearly premium %.2f, monthly premium %.2f\n", static_cast<long long>(r.policy_count),
              r.yearly_premium, r.monthly_premium);
  std::printf("total coverage %s, coverage-weighted average term %.4f years, premium per thousand %.4f\n",
              plain_number(r.total_coverage).c_str(), r.wa_term, r.premium_per_thousand);
}

int run_single(const CoverCommand& c) {
  if (!c.min_coverage || !c.min_avg_term)
    throw InputError("option: give --min-coverage and --min-avg-term (or the --grid-* lists with --out-dir)");
  if (!c.out_dir.empty()) throw InputError("option --out-dir is for the scenario grid (--grid-min-avg-term, ...)");
  CoverGoal goal;
  goal.min_coverage = *c.min_coverage;
  goal.min_avg_term = *c.min_avg_term;
  goal.max_policies = c.max_policies;
  validate(goal);
  const QuoteSet set = read_quotes_csv(c.quotes_path);
  for (const std::string& w : set.warnings) std::cerr << "warning: " << w << "\n";
  const CoverResult r = solve_cover(set.quotes, goal);
  if (c.as_json) {
    Json doc{{"kind", "policy_mix"}, {"goal", goal_json(goal)}};
    doc.update(result_json(set.quotes, r));
    doc["audit"] = audit_json(set, goal_json(goal));
    std::cout << doc.dump(2) << "\n";
  } else {
    print_report(set, goal, r);
  }
  return 0;
}

int run_grid(const CoverCommand& c) {
  if (c.grid_min_avg_term.empty() || c.grid_min_coverage.empty())
    throw InputError("option: the scenario grid needs both --grid-min-avg-term and --grid-min-coverage");
  if (c.min_coverage || c.min_avg_term)
    throw InputError("option: --min-coverage and --min-avg-term are for one goal, not with the --grid-* lists");
  if (c.out_dir.empty()) throw InputError("option: the scenario grid needs --out-dir");
  const std::vector<double> terms = parse_number_list("--grid-min-avg-term", c.grid_min_avg_term);
  const std::vector<double> coverages = parse_number_list("--grid-min-coverage", c.grid_min_coverage);
  for (double t : terms) validate(CoverGoal{1, t, c.max_policies});
  for (double v : coverages) validate(CoverGoal{v, 0, c.max_policies});
  const std::vector<std::string> names = {"scenarios.csv", "scenario_policies.csv", "result.json"};
  check_output_dir(c.out_dir, names, c.force);
  const QuoteSet set = read_quotes_csv(c.quotes_path);
  for (const std::string& w : set.warnings) std::cerr << "warning: " << w << "\n";
  const std::vector<CoverScenario> grid = solve_cover_grid(set.quotes, terms, coverages, c.max_policies);

  Json scenarios = Json::array();
  double seconds = 0;
  for (const CoverScenario& s : grid) {
    Json item{{"scenario", s.name}, {"goal", goal_json(s.goal)}};
    item.update(result_json(set.quotes, s.result));
    scenarios.push_back(item);
    seconds += s.result.seconds;
  }
  Json options{{"grid_min_avg_term", terms},
               {"grid_min_coverage", coverages},
               {"max_policies", c.max_policies ? Json(*c.max_policies) : Json(nullptr)}};
  Json doc{{"kind", "policy_mix_grid"},
           {"n_scenarios", static_cast<int64_t>(grid.size())},
           {"scenarios", scenarios},
           {"seconds", seconds},
           {"audit", audit_json(set, options)}};
  const std::string result_text = doc.dump(2) + "\n";
  const std::string summary = cover_scenarios_csv(grid);
  const std::string per_policy = cover_scenario_policies_csv(set, grid);

  create_output_dir(c.out_dir);
  // result.json goes last, so one that exists always describes the tables beside it.
  const std::string result_path = join_path(c.out_dir, "result.json");
  remove_old_output(result_path);
  write_file_atomically(join_path(c.out_dir, "scenarios.csv"), summary);
  write_file_atomically(join_path(c.out_dir, "scenario_policies.csv"), per_policy);
  write_file_atomically(result_path, result_text);

  if (c.as_json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::printf("%-16s %8s %14s %14s %10s %14s\n", "scenario", "policies", "yearly_premium", "total_coverage", "wa_term",
              "per_thousand");
  for (const CoverScenario& s : grid) {
    const CoverResult& r = s.result;
    if (!r.feasible) {
      std::printf("%-16s %8s\n", s.name.c_str(), "infeasible");
      continue;
    }
    std::printf("%-16s %8lld %14.2f %14s %10.4f %14.4f\n", s.name.c_str(), static_cast<long long>(r.policy_count),
                r.yearly_premium, plain_number(r.total_coverage).c_str(), r.wa_term, r.premium_per_thousand);
  }
  std::printf("%zu scenarios, %.3f s; wrote %s/scenarios.csv, scenario_policies.csv and result.json\n", grid.size(),
              seconds, c.out_dir.c_str());
  return 0;
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

int run_cover_command(const CoverCommand& command) {
  const bool grid = !command.grid_min_avg_term.empty() || !command.grid_min_coverage.empty();
  return grid ? run_grid(command) : run_single(command);
}

}  // namespace rateopt
