// `rateopt batch` (issue 9): each job is this program run as a child process with the job's arguments.
#include "parallel/batch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
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
  int exit_code = -1;
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
    if (WIFSIGNALED(status)) outcome.err += "\nkilled by signal " + std::to_string(WTERMSIG(status));
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
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
    if (comm.rank() == 0 && !force && ::access(summary_path.c_str(), F_OK) == 0)
      throw InputError(summary_path + " exists; use --force to replace it");
  });

  // Rows of this rank's jobs: "index\trow\n"; rank 0 puts them in job order.
  std::string rows;
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
    std::string profit;
    if (ok && job.command == "optimise") {
      try {
        const Json summary = Json::parse(outcome.out);
        if (summary.contains("expected_profit") && summary["expected_profit"].is_number())
          append_exact(profit, summary["expected_profit"].get<double>());
      } catch (const Json::parse_error&) {
      }
    }
    std::string row = std::to_string(j) + ",";
    append_csv_text(row, job.name);
    row +=
        "," + job.command + "," + (ok ? "ok" : "failed") + "," + std::to_string(outcome.exit_code) + "," + profit + ",";
    append_exact(row, outcome.seconds);
    row += ",";
    append_csv_text(row, ok ? "" : last_line(outcome.err));
    rows += std::to_string(j) + "\t" + row + "\n";
    std::cerr << "batch: job " << j << " (" << job.name << ") " << (ok ? "ok" : "failed") << " in " << outcome.seconds
              << " s\n";
  }

  std::vector<std::string> ordered(jobs.size());
  comm.gather_to_root(rows, [&](int, const std::string& part) {
    std::istringstream in(part);
    for (std::string line; std::getline(in, line);) {
      const size_t tab = line.find('\t');
      ordered[std::stoul(line.substr(0, tab))] = line.substr(tab + 1) + "\n";
    }
  });
  std::vector<double> failed = {static_cast<double>(failures)};
  comm.sum(failed);
  if (comm.rank() == 0) {
    std::string csv = "job,name,command,status,exit_code,profit,seconds,message\n";
    for (const std::string& row : ordered) csv += row;
    write_file_atomically(summary_path, csv);
    std::cout << "batch: " << jobs.size() - static_cast<size_t>(failed[0]) << " of " << jobs.size()
              << " jobs succeeded; wrote " << summary_path << "\n";
  }
  return failed[0] == 0 ? 0 : 3;
}

}  // namespace rateopt
