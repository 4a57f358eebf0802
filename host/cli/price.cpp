// `rateopt price`: new quotes priced by a solve's pricing rule, streamed through in chunks: a book by an
// optimise rule (--book), a grid of scored candidates by a grid rule (--grid).
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid_rule.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

namespace {

struct PriceCommand {
  std::string rule, book, grid;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

const std::vector<std::string> kOutputs{"priced.csv", "price_summary.json"};

std::string wrote(const std::string& dir) {
  return "wrote " + dir + "/priced.csv and " + dir + "/price_summary.json\n";
}

int price_book(const PriceCommand& c, const PriceOptions& options, const std::string& rule_text) {
  const PricingRule rule = PricingRule::parse(rule_text, c.rule);
  // Both files appear together or not at all: a bad row or a full disk leaves the previous pair.
  OutputSet outputs(c.out.dir, kOutputs, c.out.force);
  std::vector<std::string> book_warnings;
  AtomicFile& priced = outputs.file("priced.csv");
  const BatchReport report = price_book_file(
      rule, c.book, [&priced](std::string_view rows) { priced.write(rows); }, options, book_warnings);
  const std::string summary = batch_report_json(rule, report);
  outputs.write("price_summary.json", summary + "\n");
  outputs.commit();
  for (const std::string& w : book_warnings) std::cerr << "warning: " << w << "\n";
  for (const std::string& w : report.warnings) std::cerr << "warning: " << w << "\n";
  std::cout << (c.out.as_json ? summary + "\n" : batch_report_text(rule, report) + wrote(c.out.dir));
  return 0;
}

int price_grid(const PriceCommand& c, const PriceOptions& options, const std::string& rule_text) {
  const GridPricingRule rule = GridPricingRule::parse(rule_text, c.rule);
  OutputSet outputs(c.out.dir, kOutputs, c.out.force);
  AtomicFile& priced = outputs.file("priced.csv");
  const GridBatchReport report = price_grid_file(
      rule, c.grid, [&priced](std::string_view rows) { priced.write(rows); }, options);
  const std::string summary = grid_batch_report_json(rule, report);
  outputs.write("price_summary.json", summary + "\n");
  outputs.commit();
  for (const std::string& w : report.warnings) std::cerr << "warning: " << w << "\n";
  std::cout << (c.out.as_json ? summary + "\n" : grid_batch_report_text(report) + wrote(c.out.dir));
  return 0;
}

int run_price(const PriceCommand& c) {
  PriceOptions options;
  c.flags->fill(options);
  check_option_bounds(options);
  if (c.book.empty() == c.grid.empty())
    throw InputError("options --book and --grid: give one (--book for an optimise rule, --grid for a grid rule)");
  check_output_dir(c.out.dir, kOutputs, c.out.force);
  const std::string rule_text = read_whole_file(c.rule);
  const std::string kind = pricing_rule_kind(rule_text, c.rule);
  if (kind == "grid" && !c.grid.empty()) return price_grid(c, options, rule_text);
  if (kind != "grid" && !c.book.empty()) return price_book(c, options, rule_text);
  throw InputError("option " + std::string(c.grid.empty() ? "--book" : "--grid") + ": " + c.rule + " is " +
                   (kind == "grid" ? "a grid pricing rule; it prices a grid of scored candidates (--grid)"
                                   : "an optimise pricing rule; it prices a book (--book)"));
}

}  // namespace

void add_price(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("price", "price new quotes with a solve's pricing_rule.json, without a re-solve");
  auto c = std::make_shared<PriceCommand>();
  cmd->add_option("--rule", c->rule, "pricing_rule.json written by optimise or grid")->required();
  cmd->add_option("--book", c->book, "book CSV of new quotes (a rule written by optimise)");
  cmd->add_option("--grid", c->grid,
                  "long grid CSV of new quotes' scored candidates, as `grid` reads (a rule written by grid); "
                  "chunk_rows counts policies");
  add_output_flags(*cmd, c->out, "output directory for priced.csv and price_summary.json",
                   "print the batch summary as one JSON object instead of the report");
  c->flags = add_option_flags<PriceOptions>(*cmd);
  on_run(cmd, [c] { return run_price(*c); });
}

}  // namespace rateopt
