// `rateopt optimise`: one price multiplier per policy, on one process or sharded across MPI ranks.
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/report.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

int run_optimise(const BookCommand& c) {
  const Communicator& comm = world();
  OptimiseOptions options;
  run_agreed(comm, [&] {
    c.flags->fill(options);
    options.validate();
    if (comm.rank() == 0)
      check_output_dir(c.out.dir, {"result.json", "policies.csv", "pricing_rule.json"}, c.out.force);
  });
  Book book = read_book_across(c.book, comm);
  print_book_warnings(book);
  const SolveResult result = optimise_across(comm, book, options);
  const bool ok = result.status == SolveStatus::converged || result.status == SolveStatus::infeasible;
  if (comm.rank() != 0) return ok ? 0 : 3;  // under mpirun rank 0 writes
  print_run_warnings(result.warnings, book);
  write_solve_outputs(c.out.dir, book, options, result, c.out.force);
  if (c.out.as_json) {
    std::cout << summary_json(book, options, result) << "\n";
  } else {
    std::cout << result.full_report() << "\n";
    std::cout << "wrote " << c.out.dir << "/result.json, " << c.out.dir << "/policies.csv and " << c.out.dir
              << "/pricing_rule.json";
    if (comm.size() > 1) std::cout << " (" << comm.size() << " MPI ranks)";
    std::cout << "\n";
  }
  return ok ? 0 : 3;
}

}  // namespace

void add_optimise(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("optimise", "optimise one price multiplier per policy");
  cmd->alias("optimize");
  const auto c = add_book_command<OptimiseOptions>(*cmd, "output directory for result.json and policies.csv",
                                                   "print the summary as one JSON object instead of the report");
  on_run(cmd, [c] { return run_optimise(*c); });
}

}  // namespace rateopt
