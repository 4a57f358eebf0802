// `rateopt batch` (issue 9): each job is this program run as a child process with the job's arguments.
#include "parallel/batch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/files.hpp"
#include "io/format.hpp"
#include "io/json_input.hpp"
#include "rateopt/errors.hpp"

extern char** environ;

namespace rateopt {

namespace {

using Json = nlohmann::json;

/// A temporary file, removed when this goes out of scope.
struct TempFile {
  std::string path = "/tmp/rateopt-batch-XXXXXX";
  int fd = -1;
  TempFile() {
    fd = ::mkstemp(path.data());
    if (fd < 0) throw DeviceError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  }
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    ::unlink(path.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

struct JobOutcome {
  int exit_code = -1;  ///< -1 when the child did not exit (a signal) or could not start
  int signal = 0;      ///< the signal that ended it, or 0
  std::string out, err;
  double seconds = 0;
};

// The child must not believe it was started by mpirun: it would join (or wait for) the MPI job.
std::vector<std::string> environment_without_mpi() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    if (var.rfind("OMPI_", 0) == 0 || var.rfind("PMIX_", 0) == 0 || var.rfind("PMI_", 0) == 0) continue;
    env.push_back(var);
  }
  return env;
}

JobOutcome run_child(const std::vector<std::string>& args) {
  const auto start = std::chrono::steady_clock::now();
  char self[4096];
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) throw DeviceError("cannot find this program's path: " + std::string(std::strerror(errno)));
  self[length] = '\0';

  TempFile out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> argv_text = {self};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = environment_without_mpi();
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, self, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  JobOutcome outcome;
  if (spawned != 0) {
    outcome.err = std::string("cannot start: ") + std::strerror(spawned);
  } else {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.out = read_whole_file(out.path);
    outcome.err = read_whole_file(err.path);
    if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

// The summary's place, checked before any job runs: not replaced without force, never a directory,
// and in a folder that exists (a batch of long jobs must not end unable to write its summary).
void check_summary_path(const std::string& summary_path, bool force) {
  if (summary_path.empty()) throw InputError("option summary: the summary path is empty");
  const std::filesystem::path path(summary_path);
  check_output_dir(path.has_parent_path() ? path.parent_path().string() : ".", {path.filename().string()}, force);
  if (path.has_parent_path() && !std::filesystem::is_directory(path.parent_path()))
    throw InputError("option summary = " + summary_path + ": the folder " + path.parent_path().string() +
                     " does not exist");
}

// What went wrong in a failed job, in one line: the child's own error ("rateopt: error: …"), else
// (a solve that ended without converging) the status and message of optimise's JSON summary, else the
// first line of its stderr that is not a warning (a command-line error), else the signal or exit code.
std::string failure_message(const BatchJob& job, const JobOutcome& outcome) {
  if (outcome.signal != 0) return "killed by signal " + std::to_string(outcome.signal);
  const std::string prefix = "rateopt: error";
  std::string first_other;
  std::istringstream err(outcome.err);
  std::string error_line;
  for (std::string line; std::getline(err, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.rfind(prefix, 0) == 0) {
      const size_t colon = line.find(": ", prefix.size());
      error_line = colon == std::string::npos ? line : line.substr(colon + 2);
    } else if (first_other.empty() && !line.empty() && line.rfind("warning: ", 0) != 0) {
      first_other = line;
    }
  }
  if (!error_line.empty()) return error_line;
  if (job.command == "optimise") {
    try {
      const Json summary = Json::parse(outcome.out);
      if (summary.contains("status") && summary["status"].is_string()) {
        std::string text = summary["status"].get<std::string>();
        if (summary.contains("message") && summary["message"].is_string())
          text += ": " + summary["message"].get<std::string>();
        return text;
      }
    } catch (const Json::exception&) {
    }
  }
  if (!first_other.empty()) return first_other;
  return "exit code " + std::to_string(outcome.exit_code) + " (the job printed no error)";
}

std::string string_field(const Json& job, const char* key, const std::string& where, bool required) {
  if (!job.contains(key)) {
    if (required) throw InputError(where + ": missing \"" + key + "\"");
    return "";
  }
  if (!job[key].is_string()) throw InputError(where + ": \"" + key + "\" must be a string");
  return job[key].get<std::string>();
}

}  // namespace

std::vector<BatchJob> parse_batch_manifest(const std::string& text, const std::string& name) {
  const Json doc = parse_json_input(text, name);
  const Json& list = doc.is_object() && doc.contains("jobs") ? doc["jobs"] : doc;
  if (!list.is_array() || list.empty()) throw InputError(name + ": expected {\"jobs\": [ … ]} with at least one job");
  std::vector<BatchJob> jobs;
  for (size_t j = 0; j < list.size(); ++j) {
    const Json& item = list[j];
    const std::string where = name + ": job " + std::to_string(j);
    if (!item.is_object()) throw InputError(where + ": must be an object");
    BatchJob job;
    job.name = string_field(item, "name", where, false);
    if (job.name.empty()) job.name = "job" + std::to_string(j);
    job.command = string_field(item, "command", where, true);
    if (job.command != "optimise" && job.command != "frontier" && job.command != "scenarios" && job.command != "pareto")
      throw InputError(where + ": command \"" + job.command + "\" must be optimise|frontier|scenarios|pareto");
    job.book = string_field(item, "book", where, true);
    job.out_dir = string_field(item, "out_dir", where, true);
    if (item.contains("options")) {
      if (!item["options"].is_object()) throw InputError(where + ": \"options\" must be an object");
      job.options_json = item["options"].dump();
    }
    if (item.contains("args")) {
      if (!item["args"].is_array()) throw InputError(where + ": \"args\" must be an array of strings");
      for (const Json& a : item["args"]) {
        if (!a.is_string()) throw InputError(where + ": \"args\" must be an array of strings");
        job.args.push_back(a.get<std::string>());
      }
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<std::string> batch_job_arguments(const BatchJob& job) {
  std::vector<std::string> args = {job.command, "--book", job.book, "--out-dir", job.out_dir};
  args.insert(args.end(), job.args.begin(), job.args.end());
  if (job.command == "optimise") args.push_back("--json");  // the summary carries the profit
  return args;
}

int run_batch(const std::string& manifest_path, const std::string& summary_path, bool force, const Communicator& comm) {
  std::vector<BatchJob> jobs;
  run_agreed(comm, [&] {
    jobs = parse_batch_manifest(read_whole_file(manifest_path), manifest_path);
    if (comm.rank() == 0) check_summary_path(summary_path, force);
  });

  // This rank's outcomes, jobs rank, rank + size, … in order: rank 0 knows from the position which
  // job each one belongs to.
  Json outcomes = Json::array();
  int failures = 0;
  for (size_t j = static_cast<size_t>(comm.rank()); j < jobs.size(); j += static_cast<size_t>(comm.size())) {
    const BatchJob& job = jobs[j];
    std::vector<std::string> args = batch_job_arguments(job);
    TempFile config;  // the job's options, read by the child as --config
    const std::string options = job.options_json;
    if (::write(config.fd, options.data(), options.size()) != static_cast<ssize_t>(options.size()))
      throw DeviceError("cannot write " + config.path);
    args.push_back("--config");
    args.push_back(config.path);
    const JobOutcome outcome = run_child(args);
    const bool ok = outcome.exit_code == 0;
    failures += ok ? 0 : 1;
    Json row = {{"exit_code", outcome.exit_code},
                {"seconds", outcome.seconds},
                {"profit", nullptr},
                {"message", ok ? "" : failure_message(job, outcome)}};
    if (ok && job.command == "optimise") {
      try {
        const Json summary = Json::parse(outcome.out);
        if (summary.contains("expected_profit") && summary["expected_profit"].is_number())
          row["profit"] = summary["expected_profit"].get<double>();
      } catch (const Json::parse_error&) {
      }
    }
    outcomes.push_back(std::move(row));
    std::cerr << "batch: job " << j << " (" << job.name << ") " << (ok ? "ok" : "failed") << " in " << outcome.seconds
              << " s\n";
  }

  std::vector<Json> ordered(jobs.size());
  // a child's stderr may hold any bytes: invalid UTF-8 travels replaced rather than failing the batch
  comm.gather_to_root(
      outcomes.dump(-1, ' ', false, Json::error_handler_t::replace), [&](int rank, const std::string& part) {
        const Json rows = Json::parse(part);
        const size_t first = static_cast<size_t>(rank), step = static_cast<size_t>(comm.size());
        const size_t expected = first < jobs.size() ? (jobs.size() - first + step - 1) / step : 0;
        if (!rows.is_array() || rows.size() != expected)
          throw DeviceError("batch: rank " + std::to_string(rank) + " reported " + std::to_string(rows.size()) +
                            " outcomes for its " + std::to_string(expected) + " jobs");
        for (size_t k = 0; k < expected; ++k) ordered[first + k * step] = rows[k];
      });
  std::vector<double> failed = {static_cast<double>(failures)};
  comm.sum(failed);
  if (comm.rank() == 0) {
    std::string csv = "job,name,command,status,exit_code,profit,seconds,message\n";
    for (size_t j = 0; j < jobs.size(); ++j) {
      const Json& o = ordered[j];
      const int exit_code = o["exit_code"].get<int>();
      CsvRow row(csv);
      row.integer(static_cast<long long>(j)).text(jobs[j].name).text(jobs[j].command);
      row.text(exit_code == 0 ? "ok" : "failed").integer(exit_code);
      if (o["profit"].is_number())
        row.number(o["profit"].get<double>());
      else
        row.text("");
      row.number(o["seconds"].get<double>()).text(o["message"].get<std::string>());
    }
    write_file_atomically(summary_path, csv);
    std::cout << "batch: " << jobs.size() - static_cast<size_t>(failed[0]) << " of " << jobs.size()
              << " jobs succeeded; wrote " << summary_path << "\n";
  }
  return failed[0] == 0 ? 0 : 3;
}

}  // namespace rateopt
