// The run hook, output flags, warnings and progress line shared by the subcommands.
#include "cli/command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "parallel/communicator.hpp"

namespace rateopt {

namespace {
int exit_code = 0;
}  // namespace

void on_run(CLI::App* command, std::function<int()> run) {
  command->callback([command, run = std::move(run)] {
    if (command->get_subcommands().empty()) exit_code = run();
  });
}

int command_exit_code() { return exit_code; }

void add_output_flags(CLI::App& command, OutputFlags& out, const std::string& dir_help, const char* json_help) {
  // an empty folder name is refused here too, so that tools where --out-dir is optional say why
  command.add_option("--out-dir", out.dir, dir_help)->required()->check([](const std::string& dir) {
    return dir.empty() ? std::string("out_dir is empty: name a folder (\".\" for the current one)") : std::string();
  });
  command.add_flag("--force", out.force, "replace existing outputs");
  if (json_help) command.add_flag("--json", out.as_json, json_help);
}

void print_book_warnings(const Book& book) {
  if (world().rank() != 0) return;
  for (const auto& w : book.warnings) std::cerr << "warning: " << w << "\n";
}

void print_run_warnings(const std::vector<std::string>& warnings, const Book& book) {
  if (world().rank() != 0) return;
  for (const auto& w : warnings)
    if (std::find(book.warnings.begin(), book.warnings.end(), w) == book.warnings.end())
      std::cerr << "warning: " << w << "\n";
}

SweepProgress terminal_progress(const char* what) {
  if (!isatty(STDERR_FILENO)) return {};
  const auto start = std::chrono::steady_clock::now();
  return [what, start](int done, int total) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double left = done > 0 ? elapsed / done * (total - done) : 0.0;
    std::fprintf(stderr, "\r%s: %d/%d points, %.1f s elapsed, about %.1f s left   ", what, done, total, elapsed, left);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace rateopt
