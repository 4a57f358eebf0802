// `rateopt grid`: one scored candidate price per policy from a long grid CSV.
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/impact.hpp"

namespace rateopt {

namespace {

struct GridCommand {
  std::string grid;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

int run_grid(const GridCommand& c) {
  GridOptions options;
  ImpactOptions impact;
  c.flags->fill(options, impact);
  options.validate();
  impact.validate();
  std::vector<std::string> files = grid_output_files();
  if (!impact.segment_by.empty()) files.insert(files.end(), impact_output_files().begin(), impact_output_files().end());
  check_output_dir(c.out.dir, files, c.out.force);
  check_grid_segment_columns(c.grid, impact.segment_by);  // a misspelt column fails before the solve
  GridBook grid;
  const GridResult result = read_and_solve_grid(c.grid, options, grid);
  for (const std::string& w : result.warnings) std::cerr << "warning: " << w << "\n";
  const std::vector<ImpactSegment> segments = read_grid_segments(c.grid, grid, impact.segment_by);
  const std::string json = write_grid_outputs(c.out.dir, grid, options, result, c.out.force, segments);
  const bool has_rule = !result.term_prices.empty();
  if (c.out.as_json) {
    std::cout << json;
  } else {
    std::cout << grid_report(result) << "\n";
    std::cout << "wrote " << c.out.dir << "/result.json, " << c.out.dir << "/policies.csv"
              << (has_rule ? " and " + c.out.dir + "/pricing_rule.json" : std::string())
              << (segments.empty() ? "" : ", impact.csv and impact.svg") << "\n";
  }
  const bool ok = result.status == SolveStatus::converged || result.status == SolveStatus::infeasible;
  return ok ? 0 : 3;
}

}  // namespace

void add_grid(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("grid", "choose one scored candidate price per policy under portfolio constraints");
  auto c = std::make_shared<GridCommand>();
  cmd->add_option("--grid", c->grid,
                  "long CSV, one row per (policy, candidate): policy_id, step, premium, demand, optional costs, "
                  "weight, renewal_flag, group, baseline, enbp, and columns to constrain")
      ->required();
  add_output_flags(*cmd, c->out,
                   "output directory for result.json, policies.csv, pricing_rule.json and, with --segment-by, "
                   "impact.csv and impact.svg (against the baseline rows)",
                   "print result.json instead of the report");
  c->flags = add_option_flags<GridOptions, ImpactOptions>(*cmd);
  on_run(cmd, [c] { return run_grid(*c); });
}

}  // namespace rateopt
