// `rateopt pareto`: the profit–retention–fairness Pareto surface and its TOPSIS choice, fairness rows
// spread over MPI ranks under mpirun.
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

void print_pareto(const ParetoResult& r, const std::string& out_dir) {
  std::printf("Pareto surface %s × fairness_max (%s): %zu points, %zu non-dominated, %lld passes, %.3f s\n",
              to_string(r.sweep_x), to_string(r.metric), r.surface.size(), r.front.size(),
              static_cast<long long>(r.passes), r.seconds);
  if (r.choice) {
    const ParetoPoint& p = r.surface[*r.choice];
    std::printf(
        "TOPSIS choice (weights %g,%g,%g): %s %.6g, fairness_max %.6g → profit %.2f, retention %.6f, "
        "disparity %.6f\n",
        r.weights[0], r.weights[1], r.weights[2], to_string(r.sweep_x), p.x_limit, p.fairness_limit, p.summary.profit,
        p.summary.retention, p.disparity);
  } else {
    std::printf("no grid point converged: nothing to choose\n");
  }
  std::cout << "wrote " << out_dir << "/pareto_surface.csv, pareto_front.csv, pareto.svg and result.json\n";
}

int run_pareto(const BookCommand& c) {
  ParetoOptions grid;
  OptimiseOptions options;
  c.flags->fill(grid, options);
  grid.validate();
  check_output_dir(c.out.dir, {"pareto_surface.csv", "pareto_front.csv", "pareto.svg", "result.json"}, c.out.force);
  const Book book = read_book_csv(c.book);
  print_book_warnings(book);
  const ParetoResult r = pareto_surface_across(world(), book, options, grid, terminal_progress("pareto"));
  if (world().rank() != 0) return 0;  // under mpirun rank 0 writes
  print_run_warnings(r.warnings, book);
  write_pareto_outputs(c.out.dir, r, c.out.force);
  if (c.out.as_json)
    std::cout << pareto_json(r) << "\n";
  else
    print_pareto(r, c.out.dir);
  return 0;
}

}  // namespace

void add_pareto(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("pareto", "profit–retention–fairness Pareto surface with a TOPSIS choice");
  const auto c = add_book_command<ParetoOptions, OptimiseOptions>(*cmd, "output directory",
                                                                  "print the surface as one JSON object");
  on_run(cmd, [c] { return run_pareto(*c); });
}

}  // namespace rateopt
