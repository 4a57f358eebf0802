// Book: policy ids, defaults for books built in code, and the per-row rules of SPEC §1.1.
#include "rateopt/book.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

// Shortest text that reads back as the same double, so messages say "1.3", not "1.3000000000000000444".
std::string format_value(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string Book::policy_id(size_t i) const { return BookView(*this).policy_id(i); }

std::string BookView::policy_id(size_t i) const {
  if (id_offset.empty()) return std::to_string(i + 1);
  return std::string(id_chars.substr(id_offset[i], id_offset[i + 1] - id_offset[i]));
}

const std::array<BookNumericColumn, 9>& book_numeric_columns() {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  static const std::array<BookNumericColumn, 9> columns{{
      {"technical_price", &Book::technical_price, true, 0.0, &BookView::technical_price},
      {"expected_loss_cost", &Book::expected_loss_cost, true, 0.0, &BookView::expected_loss_cost},
      {"p_demand", &Book::p_demand, true, 0.0, &BookView::p_demand},
      {"elasticity", &Book::elasticity, true, 0.0, &BookView::elasticity},
      {"enbp", &Book::enbp, false, kNaN, &BookView::enbp},
      {"prior_multiplier", &Book::prior_multiplier, false, 1.0, &BookView::prior_multiplier},
      {"claims_variance", &Book::claims_variance, false, 0.0, &BookView::claims_variance},
      {"expense", &Book::expense, false, 0.0, &BookView::expense},
      {"weight", &Book::weight, false, 1.0, &BookView::weight},
  }};
  return columns;
}

std::string Book::locate(size_t i, const std::string& column) const { return BookView(*this).locate(i, column); }

std::string BookView::locate(size_t i, const std::string& column) const {
  if (row_names == Book::RowNames::index) return column + "[" + std::to_string(i) + "]";
  return (source.empty() ? std::string("book") : source) + ":" + std::to_string(line_of(i)) + ": " + column;
}

BookView::BookView(const Book& book)
    : source(book.source),
      source_sha256(book.source_sha256),
      technical_price(book.technical_price),
      expected_loss_cost(book.expected_loss_cost),
      p_demand(book.p_demand),
      elasticity(book.elasticity),
      renewal_flag(book.renewal_flag),
      enbp(book.enbp),
      prior_multiplier(book.prior_multiplier),
      claims_variance(book.claims_variance),
      expense(book.expense),
      weight(book.weight),
      group(book.group),
      group_names(book.group_names),
      id_chars(book.id_chars),
      id_offset(book.id_offset),
      line_number(book.line_number),
      row_names(book.row_names),
      has_enbp(book.has_enbp),
      has_claims_variance(book.has_claims_variance),
      has_group(book.has_group),
      warnings(book.warnings) {}

Book BookView::to_book() const {
  Book book;
  book.source = source;
  book.source_sha256 = source_sha256;
  for (const BookNumericColumn& c : book_numeric_columns())
    (book.*c.values).assign((this->*c.view).begin(), (this->*c.view).end());
  book.renewal_flag.assign(renewal_flag.begin(), renewal_flag.end());
  book.group.assign(group.begin(), group.end());
  book.group_names.assign(group_names.begin(), group_names.end());
  book.id_chars = std::string(id_chars);
  book.id_offset.assign(id_offset.begin(), id_offset.end());
  book.line_number.assign(line_number.begin(), line_number.end());
  book.row_names = row_names;
  book.has_enbp = has_enbp;
  book.has_claims_variance = has_claims_variance;
  book.has_group = has_group;
  book.warnings.assign(warnings.begin(), warnings.end());
  return book;
}

void Book::resize(size_t n) {
  // Required columns get 0 so that validate() rejects rows nobody filled in.
  technical_price.resize(n, 0.0);
  expected_loss_cost.resize(n, 0.0);
  p_demand.resize(n, 0.0);
  elasticity.resize(n, 0.0);
  renewal_flag.resize(n, 0);
  enbp.resize(n, std::numeric_limits<double>::quiet_NaN());
  prior_multiplier.resize(n, 1.0);
  claims_variance.resize(n, 0.0);
  expense.resize(n, 0.0);
  weight.resize(n, 1.0);
  group.resize(n, 0);
  if (group_names.empty()) group_names.push_back("all");

  if (!id_offset.empty()) {
    const size_t old_rows = id_offset.size() - 1;
    if (n <= old_rows) {
      id_offset.resize(n + 1);
      id_chars.resize(id_offset[n]);
    } else {
      // New rows get their row number as id, as a book without ids would.
      for (size_t i = old_rows; i < n; ++i) {
        id_chars += std::to_string(i + 1);
        id_offset.push_back(id_chars.size());
      }
    }
  }
  // Rows added in code have no CSV line; keep the lines only while every row still has one.
  if (n > line_number.size()) {
    line_number.clear();
  } else {
    line_number.resize(n);
  }
}

void Book::validate() const { BookView(*this).validate(); }

void BookView::validate() const {
  const std::string file = source.empty() ? std::string("book") : source;
  const size_t n = size();
  if (n == 0) throw InputError(file, 0, "book is empty");

  auto check_length = [&](const char* column, size_t length) {
    if (length != n) {
      throw InputError(file, 0,
                       std::string("column ") + column + " has " + std::to_string(length) +
                           " rows, technical_price has " + std::to_string(n));
    }
  };
  check_length("expected_loss_cost", expected_loss_cost.size());
  check_length("p_demand", p_demand.size());
  check_length("elasticity", elasticity.size());
  check_length("renewal_flag", renewal_flag.size());
  check_length("enbp", enbp.size());
  check_length("prior_multiplier", prior_multiplier.size());
  check_length("claims_variance", claims_variance.size());
  check_length("expense", expense.size());
  check_length("weight", weight.size());
  check_length("group", group.size());
  if (!line_number.empty()) check_length("line_number", line_number.size());
  if (!id_offset.empty()) {
    check_length("policy_id", id_offset.size() - 1);
    if (id_offset.back() != id_chars.size()) {
      throw InputError(file, 0, "policy_id offsets do not end at the size of id_chars");
    }
  }
  if (group_names.empty()) throw InputError(file, 0, "group_names is empty");

  auto fail = [&](size_t i, const char* column, double value, const char* rule) {
    throw InputError(locate(i, column) + " = " + format_value(value) + " " + rule);
  };
  // Finite, > 0 (or ≥ 0 when zero_allowed) and ≤ max; the message names the first rule broken.
  auto check_positive = [&](size_t i, const char* column, double value, bool zero_allowed, double max) {
    if (!std::isfinite(value)) fail(i, column, value, "is not finite");
    if (zero_allowed ? value < 0 : value <= 0) fail(i, column, value, zero_allowed ? "is not >= 0" : "is not > 0");
    if (value > max)
      fail(i, column, value,
           ("is above " + format_value(max) + ", the limit that keeps the book's sums finite").c_str());
  };
  using namespace book_limits;

  const auto group_count = static_cast<int64_t>(group_names.size());
  // Row by row, so the error reported is the first one in file order.
  for (size_t i = 0; i < n; ++i) {
    check_positive(i, "technical_price", technical_price[i], false, max_money);
    check_positive(i, "expected_loss_cost", expected_loss_cost[i], true, max_money);
    if (!(p_demand[i] > 0 && p_demand[i] < 1)) fail(i, "p_demand", p_demand[i], "is outside (0,1)");
    if (!std::isfinite(elasticity[i])) fail(i, "elasticity", elasticity[i], "is not finite");
    if (std::fabs(elasticity[i]) > max_abs_elasticity)
      fail(i, "elasticity", elasticity[i], "is outside [-30,30], the range that keeps demand finite");
    if (renewal_flag[i] > 1) fail(i, "renewal_flag", renewal_flag[i], "is not 0 or 1");
    if (!std::isnan(enbp[i])) check_positive(i, "enbp", enbp[i], false, max_money);  // NaN = not given
    check_positive(i, "prior_multiplier", prior_multiplier[i], false, max_prior_multiplier);
    if (prior_multiplier[i] < min_prior_multiplier)
      fail(i, "prior_multiplier", prior_multiplier[i], "is below 0.001, the lowest multiplier the solver takes");
    check_positive(i, "claims_variance", claims_variance[i], true, max_claims_variance);
    check_positive(i, "expense", expense[i], true, max_money);
    check_positive(i, "weight", weight[i], false, max_weight);
    if (group[i] < 0 || group[i] >= group_count) {
      fail(i, "group", group[i], ("is not an index into the " + std::to_string(group_count) + " group names").c_str());
    }
    if (!id_offset.empty() && id_offset[i] > id_offset[i + 1]) {
      throw InputError(file, static_cast<long>(line_of(i)), "policy_id offsets decrease");
    }
  }
}

}  // namespace rateopt
