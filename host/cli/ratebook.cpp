// `rateopt ratebook`: new relativities for a ratebook (base rate × one relativity per level of each rating
// factor) under the portfolio constraints of `optimise`, and what the structure costs.
#include <algorithm>
#include <iostream>

#include "cli/command.hpp"
#include "io/files.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/ratebook.hpp"

namespace rateopt {

namespace {

struct RatebookCommand {
  std::string book, ratebook;
  OutputFlags out;
  std::unique_ptr<OptionFlags> flags;
};

int run_ratebook(const RatebookCommand& c) {
  OptimiseOptions options;
  RatebookOptions ratebook_options;
  ImpactOptions impact;
  c.flags->fill(options, ratebook_options, impact);
  options.validate();
  ratebook_options.validate();
  impact.validate();
  check_output_dir(c.out.dir, ratebook_output_files(), c.out.force);
  const Ratebook ratebook = read_ratebook_csv(c.ratebook);
  Book book = read_book_csv(c.book);
  // factor columns are this command's input, not unknown columns
  book.warnings.erase(std::remove_if(book.warnings.begin(), book.warnings.end(),
                                     [](const std::string& w) { return w.find("factor.") != std::string::npos; }),
                      book.warnings.end());
  drop_segment_column_warnings(book.warnings, impact.segment_by);
  print_book_warnings(book);
  const FactorColumns factors = read_factor_columns(c.book);
  const std::vector<ImpactSegment> segments = read_book_segments(c.book, impact.segment_by, book.weight);
  const RatebookResult result = optimise_ratebook(book, factors, ratebook, options, ratebook_options);
  print_run_warnings(result.solve.warnings, book);
  write_ratebook_outputs(c.out.dir, book, factors, options, ratebook_options, result, c.out.force, segments);
  if (c.out.as_json) {
    std::cout << ratebook_result_json(book, options, ratebook_options, result);
  } else {
    std::cout << ratebook_report(result) << "\n";
    std::cout << "wrote " << c.out.dir << "/ratebook.csv, policies.csv, impact.csv, impact.svg and result.json\n";
  }
  const SolveStatus s = result.solve.status;
  return s == SolveStatus::converged || s == SolveStatus::infeasible ? 0 : 3;
}

}  // namespace

void add_ratebook(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "ratebook", "optimise a ratebook's relativities under portfolio constraints, and what the structure costs");
  auto c = std::make_shared<RatebookCommand>();
  cmd->add_option("--book", c->book, "book CSV with one factor.<name> column (level label) per rating factor")
      ->required();
  cmd->add_option("--ratebook", c->ratebook, "current ratebook CSV: factor,level,relativity")->required();
  add_output_flags(*cmd, c->out,
                   "output directory for ratebook.csv, policies.csv, result.json and the impact report (impact.csv, "
                   "impact.svg: by every factor, then by each --segment-by column)",
                   "print result.json instead of the report");
  c->flags = add_option_flags<OptimiseOptions, RatebookOptions, ImpactOptions>(*cmd);
  on_run(cmd, [c] { return run_ratebook(*c); });
}

}  // namespace rateopt
