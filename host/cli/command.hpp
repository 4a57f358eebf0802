// What every subcommand file of the program shares: the add_<command> functions main() calls, the
// run hook that carries a command's exit code back to main(), and the output flags, warnings and
// progress line most tools print the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include "cli/option_flags.hpp"
#include "rateopt/book.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

// One per subcommand (host/cli/<command>.cpp): its flags, help and run function.
void add_optimise(CLI::App& app);
void add_frontier(CLI::App& app);
void add_pareto(CLI::App& app);
void add_scenarios(CLI::App& app);
void add_batch(CLI::App& app);
void add_generate(CLI::App& app);
void add_clusters(CLI::App& app);  // and `clusters generate`
void add_qubo(CLI::App& app);
void add_cover(CLI::App& app);
void add_reinsure(CLI::App& app);
void add_model_quality(CLI::App& app);
void add_price(CLI::App& app);
void add_grid(CLI::App& app);
void add_ratebook(CLI::App& app);

/// Runs `run` when `command` was given (and none of its own subcommands was); its return value is
/// the program's exit code (command_exit_code()).  Errors are thrown as rateopt::Error.
void on_run(CLI::App* command, std::function<int()> run);
int command_exit_code();

/// --out-dir (required), --force and, where json_help is given, --json.
struct OutputFlags {
  std::string dir;
  bool force = false, as_json = false;
};
void add_output_flags(CLI::App& command, OutputFlags& out, const std::string& dir_help,
                      const char* json_help = "print the result as one JSON object");

/// The flags of the options tables of default-constructed Options, and --config.
template <class... Options>
std::unique_ptr<OptionFlags> add_option_flags(CLI::App& command) {
  std::tuple<Options...> defaults;  // read for --help only
  return std::make_unique<OptionFlags>(command, std::apply([](auto&... o) { return fields_of(o...); }, defaults));
}

/// What a subcommand over a book parses: --book, the output flags and its options tables (--config).
struct BookCommand {
  std::string book;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};
/// Adds those flags to `command`, the tables from default-constructed Options.
template <class... Options>
std::shared_ptr<BookCommand> add_book_command(CLI::App& command, const std::string& dir_help, const char* json_help) {
  auto c = std::make_shared<BookCommand>();
  command.add_option("--book", c->book, "book CSV")->required();
  add_output_flags(command, c->out, dir_help, json_help);
  c->flags = add_option_flags<Options...>(command);
  return c;
}

/// The book's warnings on stderr, once (rank 0 under mpirun).
void print_book_warnings(const Book& book);
/// A run's own warnings on stderr (rank 0 under mpirun), leaving out those the book already gave.
void print_run_warnings(const std::vector<std::string>& warnings, const Book& book);

/// Progress of a sweep on stderr when it is a terminal: points done, elapsed, estimate of the rest.
SweepProgress terminal_progress(const char* what);

}  // namespace rateopt
