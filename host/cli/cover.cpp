// `rateopt cover`: the cheapest mix of term-life policies for a coverage and term goal, or for a grid
// of goals written to files.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "io/files.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

struct CoverCommand {
  std::string quotes;
  OutputFlags out;  // --out-dir: the scenario grid only
  std::unique_ptr<OptionFlags> flags;
};

QuoteSet read_quotes(const std::string& path) {
  QuoteSet set = read_quotes_csv(path);
  for (const std::string& w : set.warnings) std::cerr << "warning: " << w << "\n";
  return set;
}

void print_goal(const QuoteSet& set, const CoverGoal& goal, const CoverResult& r) {
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

void print_grid(const std::vector<CoverScenario>& grid, const std::string& out_dir) {
  std::printf("%-16s %8s %14s %14s %10s %14s\n", "scenario", "policies", "yearly_premium", "total_coverage", "wa_term",
              "per_thousand");
  double seconds = 0;
  for (const CoverScenario& s : grid) {
    const CoverResult& r = s.result;
    seconds += r.seconds;
    if (!r.feasible) {
      std::printf("%-16s %8s\n", s.name.c_str(), "infeasible");
      continue;
    }
    std::printf("%-16s %8lld %14.2f %14s %10.4f %14.4f\n", s.name.c_str(), static_cast<long long>(r.policy_count),
                r.yearly_premium, plain_number(r.total_coverage).c_str(), r.wa_term, r.premium_per_thousand);
  }
  std::printf("%zu scenarios, %.3f s; wrote %s/scenarios.csv, scenario_policies.csv and result.json\n", grid.size(),
              seconds, out_dir.c_str());
}

int run_single(const CoverCommand& c, const CoverOptions& o) {
  if (!c.out.dir.empty()) throw InputError("option --out-dir is for the scenario grid (--grid-min-avg-term, ...)");
  const CoverGoal goal = o.goal();
  const QuoteSet set = read_quotes(c.quotes);
  const CoverResult r = solve_cover(set.quotes, goal);
  if (c.out.as_json)
    std::cout << cover_goal_json(set, goal, r) << "\n";
  else
    print_goal(set, goal, r);
  return 0;
}

int run_grid(const CoverCommand& c, const CoverOptions& o) {
  if (c.out.dir.empty()) throw InputError("option: the scenario grid needs --out-dir");
  check_output_dir(c.out.dir, cover_grid_output_names(), c.out.force);
  const QuoteSet set = read_quotes(c.quotes);
  const std::vector<CoverScenario> grid =
      solve_cover_grid(set.quotes, o.grid_min_avg_term, o.grid_min_coverage, o.max_policies);
  const std::string result = cover_grid_json(set, o, grid);
  write_cover_grid_outputs(c.out.dir, set, grid, result, c.out.force);
  if (c.out.as_json)
    std::cout << result << "\n";
  else
    print_grid(grid, c.out.dir);
  return 0;
}

int run_cover(const CoverCommand& c) {
  CoverOptions o;
  c.flags->fill(o);
  o.validate();
  return o.grid() ? run_grid(c, o) : run_single(c, o);
}

}  // namespace

void add_cover(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("cover", "cheapest mix of term-life policies for a coverage and term goal");
  auto c = std::make_shared<CoverCommand>();
  cmd->add_option("--quotes", c->quotes, "quotes CSV: policy_id,insurer,term,coverage,yearly_premium")->required();
  add_output_flags(*cmd, c->out, "scenario grid: directory for scenarios.csv, scenario_policies.csv");
  cmd->get_option("--out-dir")->required(false);  // one goal writes no files
  c->flags = add_option_flags<CoverOptions>(*cmd);
  on_run(cmd, [c] { return run_cover(*c); });
}

}  // namespace rateopt
