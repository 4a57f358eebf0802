// `rateopt scenarios`: one solve per elasticity scenario, with per-policy percentiles; scenarios
// spread over MPI ranks under mpirun.
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"

namespace rateopt {

namespace {

void print_scenarios(const ScenarioResult& r, const std::string& out_dir) {
  std::printf("%-24s %-12s %18s %10s %10s %8s\n", "scenario", "status", "profit", "LR", "retention", "passes");
  for (const ScenarioSummary& s : r.scenarios)
    std::printf("%-24s %-12s %18.2f %10.6f %10.6f %8lld\n", s.name.c_str(), to_string(s.summary.status),
                s.summary.profit, s.summary.loss_ratio, s.summary.retention, static_cast<long long>(s.summary.passes));
  std::printf("profit p10 %.2f, mean %.2f, p90 %.2f over %d converged scenarios\n", r.profit_p10, r.profit_mean,
              r.profit_p90, r.n_converged);
  std::cout << "wrote " << out_dir << "/scenario_policies.csv, scenarios.csv and result.json\n";
}

int run_scenarios_command(const BookCommand& c) {
  ScenarioOptions which;
  OptimiseOptions options;
  c.flags->fill(which, options);
  if (which.elasticity_scale.empty() && which.elasticity_files.empty())
    throw InputError("option: give --elasticity-scale and/or --elasticity-files");
  options.validate();
  check_output_dir(c.out.dir, scenario_output_names(), c.out.force);
  const Book book = read_book_csv(c.book);
  print_book_warnings(book);
  const std::vector<ElasticityScenario> scenarios = make_scenarios(book, which);
  const ScenarioResult r = run_scenarios_across(world(), book, options, scenarios, terminal_progress("scenarios"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  print_run_warnings(r.warnings, book);
  write_scenario_outputs(c.out.dir, book, r, c.out.force);
  if (c.out.as_json)
    std::cout << scenarios_json(r) << "\n";
  else
    print_scenarios(r, c.out.dir);
  bool ok = true;
  for (const ScenarioSummary& s : r.scenarios)
    ok &= s.summary.status == SolveStatus::converged || s.summary.status == SolveStatus::infeasible;
  return ok ? 0 : 3;
}

}  // namespace

void add_scenarios(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("scenarios", "re-solve under elasticity scenarios");
  const auto c = add_book_command<ScenarioOptions, OptimiseOptions>(*cmd, "output directory",
                                                                    "print the result as one JSON object");
  on_run(cmd, [c] { return run_scenarios_command(*c); });
}

}  // namespace rateopt
