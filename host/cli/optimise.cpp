// `rateopt optimise`: one price multiplier per policy, on one process or sharded across MPI ranks.
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/report.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

std::vector<std::string> output_names(const ImpactOptions& impact) {
  std::vector<std::string> names{"result.json", "policies.csv", "pricing_rule.json"};
  if (!impact.segment_by.empty()) names.insert(names.end(), impact_output_files().begin(), impact_output_files().end());
  return names;
}

int run_optimise(const BookCommand& c) {
  const Communicator& comm = world();
  OptimiseOptions options;
  ImpactOptions impact;
  run_agreed(comm, [&] {
    c.flags->fill(options, impact);
    options.validate();
    impact.validate();
    if (comm.rank() != 0) return;
    check_output_dir(c.out.dir, output_names(impact), c.out.force);
    check_segment_columns(c.book, impact.segment_by);  // a misspelt column fails before the solve
  });
  Book book = read_book_across(c.book, comm);
  drop_segment_column_warnings(book.warnings, impact.segment_by);
  print_book_warnings(book);
  const SolveResult result = optimise_across(comm, book, options);
  const bool ok = result.status == SolveStatus::converged || result.status == SolveStatus::infeasible;
  if (comm.rank() != 0) return ok ? 0 : 3;  // under mpirun rank 0 writes
  print_run_warnings(result.warnings, book);
  // read once the whole book is here (rank 0 holds only its shard before the solve under mpirun)
  const std::vector<ImpactSegment> segments = read_book_segments(c.book, impact.segment_by, book.weight);
  write_solve_outputs(c.out.dir, book, options, result, c.out.force, segments);
  if (c.out.as_json) {
    std::cout << summary_json(book, options, result) << "\n";
  } else {
    std::cout << result.full_report() << "\n";
    std::cout << "wrote " << c.out.dir << "/result.json, " << c.out.dir << "/policies.csv and " << c.out.dir
              << "/pricing_rule.json";
    if (!segments.empty()) std::cout << ", impact.csv and impact.svg";
    if (comm.size() > 1) std::cout << " (" << comm.size() << " MPI ranks)";
    std::cout << "\n";
  }
  return ok ? 0 : 3;
}

}  // namespace

void add_optimise(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("optimise", "optimise one price multiplier per policy");
  cmd->alias("optimize");
  const auto c = add_book_command<OptimiseOptions, ImpactOptions>(
      *cmd,
      "output directory for result.json, policies.csv, pricing_rule.json and, with --segment-by, impact.csv and "
      "impact.svg",
      "print the summary as one JSON object instead of the report");
  on_run(cmd, [c] { return run_optimise(*c); });
}

}  // namespace rateopt
