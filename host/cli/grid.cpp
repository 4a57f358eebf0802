// `rateopt grid`: one scored candidate price per policy from a long grid CSV.
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/grid_rule.hpp"

namespace rateopt {

namespace {

struct GridCommand {
  std::string grid;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

int run_grid(const GridCommand& c) {
  GridOptions options;
  c.flags->fill(options);
  options.validate();
  check_output_dir(c.out.dir, {"result.json", "policies.csv", "pricing_rule.json"}, c.out.force);
  GridBook grid = read_grid_csv(c.grid, grid_constraint_columns(options));
  const GridResult result = solve_grid(grid, options);
  for (const std::string& w : result.warnings) std::cerr << "warning: " << w << "\n";
  // An infeasible grid fixes no constraint prices, so no rule (nor one of an earlier solve left beside it).
  const bool has_rule = !result.term_prices.empty();
  std::vector<std::string> outputs{"result.json", "policies.csv"};
  if (has_rule) outputs.push_back("pricing_rule.json");
  const std::string json = grid_result_json(grid, options, result);
  const std::string rule = has_rule ? GridPricingRule::from_solve(grid, options, result).to_json() : std::string();
  OutputSet writer(c.out.dir, outputs, c.out.force);
  writer.write("policies.csv", grid_policies_csv(grid, result));
  writer.write("result.json", json);
  if (has_rule) writer.write("pricing_rule.json", rule);
  writer.commit();
  if (!has_rule) remove_stale_output(c.out.dir, "pricing_rule.json", "the rule of an earlier solve");
  if (c.out.as_json) {
    std::cout << json;
  } else {
    std::cout << grid_report(result) << "\n";
    std::cout << "wrote " << c.out.dir << "/result.json, " << c.out.dir << "/policies.csv"
              << (has_rule ? " and " + c.out.dir + "/pricing_rule.json" : std::string()) << "\n";
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
  add_output_flags(*cmd, c->out, "output directory for result.json, policies.csv and pricing_rule.json",
                   "print result.json instead of the report");
  c->flags = add_option_flags<GridOptions>(*cmd);
  on_run(cmd, [c] { return run_grid(*c); });
}

}  // namespace rateopt
