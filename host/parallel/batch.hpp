// `rateopt batch`: many independent jobs from a manifest, back to back or spread over MPI ranks (issue 9).
#pragma once

#include <string>
#include <vector>

#include "parallel/communicator.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt {

/// The options of `rateopt batch` besides its manifest.
struct BatchOptions {
  std::string summary = "batch_summary.csv";
};
template <class F>
void visit_options(BatchOptions& o, F&& f) {
  f(OptionRow{"summary", "summary CSV, one row per job"}, o.summary);
}

/// One job of a manifest: a subcommand of this program with its book, output directory, options
/// (keys as in --config) and any further arguments (e.g. ["--sweep", "lr_max", "--from", "0.6", …]).
struct BatchJob {
  std::string name;
  std::string command;  ///< optimise | frontier | scenarios | pareto
  std::string book;
  std::string out_dir;
  std::string options_json = "{}";  ///< a JSON object
  std::vector<std::string> args;
};

/// The manifest: {"jobs": [ {"name", "command", "book", "out_dir", "options": {…}, "args": […]}, … ]}
/// (or the bare array).  name defaults to job<index>; paths are as given (relative to the working
/// directory).  A malformed manifest is an InputError naming the job and field.
std::vector<BatchJob> parse_batch_manifest(const std::string& text, const std::string& name);

/// The program's arguments for a job (without the program name).
std::vector<std::string> batch_job_arguments(const BatchJob& job);

/// Run every job as a child process of this program (so one job's crash cannot stop the others);
/// job j runs on rank j mod size.  Rank 0 writes the summary CSV
///   job,name,command,status,exit_code,profit,seconds,message
/// in job order, as quoted CSV (a name may hold commas, quotes or line breaks): status ok|failed;
/// profit for optimise jobs; message: why a job failed (its own error message, else an optimise
/// job's status and message, else its exit code or signal).  The summary's path is checked before
/// any job runs (not replaced without force, its folder must exist).  Returns 0 when every job
/// succeeded, else 3.
int run_batch(const std::string& manifest_path, const std::string& summary_path, bool force, const Communicator& comm);

}  // namespace rateopt
