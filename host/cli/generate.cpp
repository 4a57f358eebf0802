// `rateopt generate`: a synthetic book with insurance-optimise's distributions.
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

struct GenerateCommand {
  std::string out;
  bool force = false;
  std::unique_ptr<OptionFlags> flags;
};

int run_generate(const GenerateCommand& c) {
  GenerateOptions o;
  c.flags->fill(o);
  check_option_bounds(o);
  struct stat st;
  if (!c.force && stat(c.out.c_str(), &st) == 0) throw InputError(c.out + " exists; use --force to replace it");
  const Book book = generate_book(static_cast<size_t>(*o.policies), o.seed, o.profile);
  write_book_csv(book, c.out);
  std::cout << "wrote " << *o.policies << " policies (" << to_string(o.profile) << " profile, seed " << o.seed
            << ") to " << c.out << "\n";
  return 0;
}

}  // namespace

void add_generate(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("generate", "write a synthetic book with insurance-optimise's distributions");
  auto c = std::make_shared<GenerateCommand>();
  cmd->add_option("--out", c->out, "output CSV")->required();
  cmd->add_flag("--force", c->force, "replace an existing file");
  c->flags = add_option_flags<GenerateOptions>(*cmd);
  on_run(cmd, [c] { return run_generate(*c); });
}

}  // namespace rateopt
