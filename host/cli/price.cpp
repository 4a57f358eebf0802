// `rateopt price`: new quotes priced by a solve's pricing rule, streamed through in chunks.
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

namespace {

struct PriceCommand {
  std::string rule;
  std::shared_ptr<BookCommand> book;
};

int run_price(const PriceCommand& c) {
  const OutputFlags& out = c.book->out;
  PriceOptions options;
  c.book->flags->fill(options);
  check_option_bounds(options);
  // Both files appear together or not at all: a bad row or a full disk leaves the previous pair.
  OutputSet outputs(out.dir, {"priced.csv", "price_summary.json"}, out.force);
  const PricingRule rule = PricingRule::load(c.rule);
  std::vector<std::string> book_warnings;
  AtomicFile& priced = outputs.file("priced.csv");
  const BatchReport report = price_book_file(
      rule, c.book->book, [&priced](std::string_view rows) { priced.write(rows); }, options, book_warnings);
  const std::string summary = batch_report_json(rule, report);
  outputs.write("price_summary.json", summary + "\n");
  outputs.commit();
  for (const std::string& w : book_warnings) std::cerr << "warning: " << w << "\n";
  for (const std::string& w : report.warnings) std::cerr << "warning: " << w << "\n";
  if (out.as_json) {
    std::cout << summary << "\n";
  } else {
    std::cout << batch_report_text(rule, report);
    std::cout << "wrote " << out.dir << "/priced.csv and " << out.dir << "/price_summary.json\n";
  }
  return 0;
}

}  // namespace

void add_price(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("price", "price new quotes with a solve's pricing_rule.json, without a re-solve");
  auto c = std::make_shared<PriceCommand>();
  cmd->add_option("--rule", c->rule, "pricing_rule.json written by optimise")->required();
  c->book = add_book_command<PriceOptions>(*cmd, "output directory for priced.csv and price_summary.json",
                                           "print the batch summary as one JSON object instead of the report");
  on_run(cmd, [c] { return run_price(*c); });
}

}  // namespace rateopt
