// rateopt: the command-line program.  Each subcommand lives in host/cli/<command>.cpp; this file adds
// them and maps errors to exit codes: 0 success (a proven-infeasible problem included), 2 bad input or
// options, 3 solver failure, 4 device or resource failure.
#include <malloc.h>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <new>

#include "cli/command.hpp"
#include "io/text.hpp"
#include "parallel/communicator.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"

int main(int argc, char** argv) {
  using namespace rateopt;
  const ParallelSession mpi(argc, argv);  // MPI only when launched by mpirun or srun
  // Idle OpenMP threads sleep rather than spin: on a shared machine spinning threads steal the cores
  // the next pass needs (measured: a 1e6 solve 1.24 s → 0.73 s under load).  A user's setting wins.
  setenv("OMP_WAIT_POLICY", "passive", 0);
  // Buffers of 8 MiB and more go back to the system when freed.  glibc's threshold otherwise rises to the
  // largest block freed, and chunked reads then keep their freed chunks: `rateopt grid` on 1e6 × 41
  // candidates peaked at 430–500 MB, 300–330 MB with this (1 MiB: 258 MB, but 2.5× the system time).
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  CLI::App app{"rateopt: portfolio price optimisation for insurance books, solved policy by policy"};
  app.require_subcommand(0, 1);
  // Command-line errors in the one-line form of every other error.
  app.failure_message(
      [](const CLI::App*, const CLI::Error& e) { return "rateopt: error: " + one_line(e.what()) + " (see --help)\n"; });
  app.set_version_flag("--version", std::string("rateopt ") + RATEOPT_VERSION + " (git " + git_revision() + "), CUDA " +
                                        (RATEOPT_HAVE_CUDA ? "compiled in" : "not compiled in"));
  for (const auto add : {add_optimise, add_generate, add_frontier, add_pareto, add_scenarios, add_batch, add_cover,
                         add_reinsure, add_model_quality, add_clusters, add_qubo, add_price, add_grid,
                         add_ratebook})
    add(app);

  // Paths and values given end up in JSON outputs, which must be UTF-8: refuse anything else now,
  // not when the result is written after the work.
  for (int i = 1; i < argc; ++i)
    if (invalid_utf8_at(argv[i]) != std::string_view::npos)
      return report_failure("argument " + std::to_string(i) + " " + quoted_text(argv[i]) +
                                " is not valid UTF-8 text (paths and values are written into JSON outputs)",
                            2, /*agreed: every rank has the same arguments*/ true);

  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) std::cout << app.help();
    return command_exit_code();
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const Error& e) {
    return report_failure(e.what(), e.exit_code(), dynamic_cast<const AgreedError*>(&e) != nullptr);
  } catch (const std::bad_alloc&) {
    return report_failure("out of memory", 4, false);
  } catch (const std::exception& e) {
    return report_failure(e.what(), 3, false);
  }
}
