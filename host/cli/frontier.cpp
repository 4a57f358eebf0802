// `rateopt frontier`: the efficient frontier, one solve per limit of the swept constraint, points
// spread over MPI ranks under mpirun.
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

void print_frontier(const FrontierResult& f, const std::string& out_dir) {
  std::printf("Efficient frontier over %s, %zu points, %lld passes, %.3f s (%s)\n", to_string(f.sweep), f.points.size(),
              static_cast<long long>(f.passes), f.seconds, f.backend_used.c_str());
  std::printf("%14s %-10s %18s %10s %10s %16s\n", "epsilon", "status", "profit", "LR", "retention", "shadow price");
  for (const FrontierPoint& p : f.points)
    std::printf("%14.6g %-10s %18.2f %10.6f %10.6f %16.2f\n", p.epsilon,
                p.summary.converged ? "converged" : to_string(p.summary.status), p.summary.profit, p.summary.loss_ratio,
                p.summary.retention, p.shadow_price);
  std::cout << "wrote " << out_dir << "/frontier.csv, frontier.svg and result.json\n";
}

int run_frontier(const BookCommand& c) {
  FrontierOptions frontier;
  OptimiseOptions options;
  c.flags->fill(frontier, options);
  check_option_bounds(frontier);
  options.validate();
  check_output_dir(c.out.dir, {"frontier.csv", "frontier.svg", "result.json"}, c.out.force);
  const Book book = read_book_csv(c.book);
  print_book_warnings(book);
  const FrontierResult f = efficient_frontier_across(world(), book, options, frontier, terminal_progress("frontier"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  print_run_warnings(f.warnings, book);
  // the limit the options already carry for the swept constraint is the "chosen" point of the chart
  write_frontier_outputs(c.out.dir, f, constraint_limit(options, *frontier.sweep), c.out.force);
  if (c.out.as_json)
    std::cout << frontier_json(f) << "\n";
  else
    print_frontier(f, c.out.dir);
  return 0;
}

}  // namespace

void add_frontier(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("frontier", "efficient frontier: re-solve along a constraint");
  const auto c = add_book_command<FrontierOptions, OptimiseOptions>(
      *cmd, "output directory for frontier.csv, frontier.svg, result.json", "print the frontier as one JSON object");
  on_run(cmd, [c] { return run_frontier(*c); });
}

}  // namespace rateopt
