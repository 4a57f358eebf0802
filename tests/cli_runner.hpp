// Running programs from the tests: the built `rateopt` (RATEOPT_BINARY) with its exit code, stdout and
// stderr captured, and the external tools some tests check outputs with (rsvg-convert, xmllint,
// sha256sum).  Every argument is quoted for the shell, so paths and values travel as they are.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace rateopt::test {

/// One argument quoted for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

/// The arguments quoted and joined by spaces: a command line for /bin/sh.
inline std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) line += (line.empty() ? "" : " ") + shell_quote(a);
  return line;
}

/// A literal option list split at spaces, for test tables ("--rho 1.5 --cv 1"); never for paths.
inline std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// `a` followed by `b`.
inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The exit code in a std::system() status; -1 when the program did not exit normally (a signal).
inline int exit_code(int status) { return (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1; }

struct CliRun {
  int rc = -1;  ///< exit status; -1 when the program did not exit normally (signal)
  std::string out, err;
  std::string command;
};

/// Runs `launcher… RATEOPT_BINARY args…` (launcher: e.g. timeout or mpiexec -n 2) with stdin from
/// /dev/null; stdout and stderr are captured in io_dir/stdout.txt and io_dir/stderr.txt (never the
/// directory a test inspects for stray output).
inline CliRun run_rateopt(const std::filesystem::path& io_dir, const std::vector<std::string>& args,
                          const std::vector<std::string>& launcher = {}) {
  CliRun r;
  r.command = command_line(concat(concat(launcher, {RATEOPT_BINARY}), args));
  const std::filesystem::path out = io_dir / "stdout.txt", err = io_dir / "stderr.txt";
  const std::string full =
      r.command + " > " + shell_quote(out.string()) + " 2> " + shell_quote(err.string()) + " < /dev/null";
  r.rc = exit_code(std::system(full.c_str()));
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  return r;
}

/// Runs `timeout T RATEOPT_BINARY args…` in `dir` (relative paths, and whatever the run writes, stay
/// there) with stdin /dev/null, or the file `input` through a pipe (`cat input | …`); stdout and stderr
/// are captured in dir/stdout.txt and dir/stderr.txt.  rc 124: timed out.
inline CliRun run_rateopt_in(const std::filesystem::path& dir, const std::vector<std::string>& args,
                             const std::string& input = "", int timeout_seconds = 120) {
  CliRun r;
  r.command = command_line(concat({"timeout", std::to_string(timeout_seconds), RATEOPT_BINARY}, args));
  const std::string full =
      "cd " + shell_quote(dir.string()) + " && " +
      (input.empty() ? r.command + " < /dev/null" : "cat " + shell_quote(input) + " | " + r.command) +
      " > stdout.txt 2> stderr.txt";
  r.rc = exit_code(std::system(full.c_str()));
  r.out = read_text_file(dir / "stdout.txt");
  r.err = read_text_file(dir / "stderr.txt");
  return r;
}

/// The command, its exit code and the start of its output, for a failure message.
inline std::string describe(const CliRun& r) {
  return "command: " + r.command + "\nexit: " + std::to_string(r.rc) + "\nstdout:\n" + r.out.substr(0, 4000) +
         "\nstderr:\n" + r.err.substr(0, 4000);
}

/// Runs an external tool with its output going to the test's own; its exit code (-1 on a signal).
inline int run_tool(const std::vector<std::string>& argv) { return exit_code(std::system(command_line(argv).c_str())); }

/// Whether `name` is a program on PATH.
inline bool have_tool(const std::string& name) {
  return std::system(("command -v " + shell_quote(name) + " > /dev/null 2>&1").c_str()) == 0;
}

/// What an external tool prints on stdout ("" when it cannot be started).
inline std::string tool_output(const std::vector<std::string>& argv) {
  FILE* pipe = popen(command_line(argv).c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[256] = {};
  std::string text;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  pclose(pipe);
  return text;
}

}  // namespace rateopt::test
