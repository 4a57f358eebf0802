// `rateopt batch`: a manifest's jobs back to back, or spread over MPI ranks under mpirun.
#include <memory>

#include "cli/command.hpp"
#include "cli/option_flags.hpp"
#include "parallel/batch.hpp"
#include "parallel/communicator.hpp"

namespace rateopt {

namespace {

struct BatchCommand {
  std::string manifest;
  bool force = false;
  std::unique_ptr<OptionFlags> flags;
};

int run_batch_command(const BatchCommand& c) {
  BatchOptions o;
  c.flags->fill(o);
  return run_batch(c.manifest, o.summary, c.force, world());
}

}  // namespace

void add_batch(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("batch", "run a manifest's jobs back to back, or spread over MPI ranks");
  auto c = std::make_shared<BatchCommand>();
  cmd->add_option("--manifest", c->manifest,
                  "JSON manifest: {\"jobs\": [{name, command, book, out_dir, options, args}]}")
      ->required();
  cmd->add_flag("--force", c->force, "replace an existing summary");
  c->flags = add_option_flags<BatchOptions>(*cmd);
  on_run(cmd, [c] { return run_batch_command(*c); });
}

}  // namespace rateopt
