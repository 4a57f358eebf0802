// `rateopt price`'s work: a book streamed through the rule chunk by chunk, priced.csv written as it goes.
#include <omp.h>

#include <cmath>

#include "book/book_chunks.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

namespace {

void append_priced_row(std::string& out, const Book& chunk, size_t i, const PricedQuote& p) {
  constexpr int kMoneyDigits = 10;
  append_csv_text(out, chunk.policy_id(i));
  out += ',';
  append_exact(out, p.multiplier);
  for (double money : {p.new_premium, p.expected_demand, p.contribution, p.rate_change_pct}) {
    out += ',';
    append_significant(out, money, kMoneyDigits);
  }
  out += ',';
  out += binding_bound_name(p);
  out += '\n';
}

}  // namespace

void quotes_from_book(const PricingRule& rule, const BookView& book, size_t begin, size_t end,
                      std::vector<Quote>& quotes) {
  auto missing = [&](const char* column, const char* why) {
    throw InputError((book.source.empty() ? std::string("book") : book.source) + ": column " + column +
                     " is missing; the pricing rule needs it (" + why + ")");
  };
  if (rule.needs_enbp() && !book.has_enbp) missing("enbp", "it was solved with an ENBP buffer");
  if (rule.needs_claims_variance() && !book.has_claims_variance)
    missing("claims_variance", "it was solved with the stochastic LR constraint");
  if (rule.needs_group() && !book.has_group) missing("group", "it was solved with fairness groups");
  std::vector<int> group_of(book.group_names.size(), -1);
  for (size_t g = 0; g < book.group_names.size() && rule.needs_group(); ++g)
    group_of[g] = rule.group_index(book.group_names[g]);
  quotes.resize(end - begin);
  for (size_t i = begin; i < end; ++i) {
    Quote& q = quotes[i - begin];
    q = quote_from_book(book, i, rule.needs_group() ? group_of[book.group[i]] : -1);
    if (rule.needs_group() && q.group < 0)
      throw InputError(book.locate(i, "group") + " = \"" + book.group_names[book.group[i]] +
                       "\" is not a group of the solved book");
    if (const char* problem = rule.quote_problem(q)) {
      const std::string text(problem);  // "column: rule"
      const size_t colon = text.find(':');
      throw InputError(book.locate(i, text.substr(0, colon)) + text.substr(colon));
    }
  }
}

BatchReport price_book_file(const PricingRule& rule, const std::string& book_path,
                            const std::function<void(std::string_view)>& write_priced, const PriceOptions& options,
                            std::vector<std::string>& book_warnings) {
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  constexpr size_t kRowsPerBlock = 4096;
  BookChunkReader reader(book_path, static_cast<uint64_t>(options.chunk_rows));
  write_priced("policy_id,multiplier,new_premium,expected_demand,contribution,rate_change_pct,binding_bound\n");
  BatchSums sums(rule);
  Book chunk;
  std::vector<Quote> quotes;
  std::vector<PricedQuote> priced;
  std::vector<std::string> texts;
  for (bool first = true; reader.next(chunk); first = false) {
    if (first) book_warnings = chunk.warnings;
    quotes_from_book(rule, chunk, 0, chunk.size(), quotes);
    const size_t n = quotes.size();
    priced.resize(n);
    const size_t blocks = (n + kRowsPerBlock - 1) / kRowsPerBlock;
    texts.resize(blocks);
    // Pricing and formatting are per row (no throw inside); the sums are added in row order after.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t blk = 0; blk < blocks; ++blk) {
      std::string& text = texts[blk];
      text.clear();
      const size_t end = std::min(n, (blk + 1) * kRowsPerBlock);
      for (size_t i = blk * kRowsPerBlock; i < end; ++i) {
        priced[i] = rule.price_one(quotes[i]);
        append_priced_row(text, chunk, i, priced[i]);
      }
    }
    for (size_t i = 0; i < n; ++i) sums.add(rule, quotes[i], priced[i]);
    for (const std::string& text : texts) write_priced(text);
  }
  if (reader.positive_elasticities() > 0)
    book_warnings.push_back(std::to_string(reader.positive_elasticities()) +
                            " quotes have a positive elasticity (demand rising with price)");
  return batch_report(rule, sums, options.drift_tolerance);
}

}  // namespace rateopt
