// Ratebook mode's inputs: the ratebook table, the book's factor columns, the options naming factors and
// levels, and the check of one against the other.
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "io/csv_reader.hpp"
#include "io/text.hpp"
#include "ratebook/ratebook_internal.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

constexpr const char* kFactorPrefix = "factor.";
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// "where: " for messages about the book as a whole (its header line when read from a file).
std::string book_header_location(const BookView& book) {
  if (book.row_names == Book::RowNames::index || book.source.empty()) return "";
  return book.source + ":1: ";
}

std::string option_error(const char* key, const std::string& entry, const std::string& rule) {
  return "option " + std::string(key) + " = " + quoted_text(entry) + ": " + rule;
}

// "name=lo:hi" or "name[level]=lo:hi".
struct BoundSpec {
  std::string factor, level;
  bool per_level = false;
  double lo = 0, hi = 0;
};

BoundSpec parse_bound_spec(const std::string& entry) {
  const size_t eq = entry.rfind('=');
  const size_t colon = entry.rfind(':');
  if (eq == std::string::npos || colon == std::string::npos || colon < eq)
    throw InputError(option_error("level_bounds", entry, "expected factor=lo:hi or factor[level]=lo:hi"));
  BoundSpec spec;
  std::string name = entry.substr(0, eq);
  const size_t open = name.find('[');
  if (open != std::string::npos && name.back() == ']') {
    spec.per_level = true;
    spec.level = name.substr(open + 1, name.size() - open - 2);
    name = name.substr(0, open);
  }
  spec.factor = name;
  char* end = nullptr;
  const std::string lo_text = entry.substr(eq + 1, colon - eq - 1), hi_text = entry.substr(colon + 1);
  spec.lo = std::strtod(lo_text.c_str(), &end);
  const bool lo_ok = !lo_text.empty() && *end == '\0';
  spec.hi = std::strtod(hi_text.c_str(), &end);
  const bool hi_ok = !hi_text.empty() && *end == '\0';
  if (!lo_ok || !hi_ok || !std::isfinite(spec.lo) || !std::isfinite(spec.hi) || spec.lo <= 0 || spec.hi < spec.lo)
    throw InputError(option_error("level_bounds", entry, "lo and hi must be numbers with 0 < lo ≤ hi"));
  return spec;
}

// "factor" or "factor:decreasing" → (factor, decreasing).
std::pair<std::string, bool> parse_monotone(const std::string& entry) {
  const size_t colon = entry.rfind(':');
  if (colon == std::string::npos) return {entry, false};
  const std::string direction = entry.substr(colon + 1);
  if (direction != "decreasing" && direction != "increasing")
    throw InputError(option_error("monotone", entry, "expected factor, factor:increasing or factor:decreasing"));
  return {entry.substr(0, colon), direction == "decreasing"};
}

// "factor=δ" → (factor, δ), δ a number ≥ 0.
std::pair<std::string, double> parse_smooth(const std::string& entry) {
  const size_t eq = entry.rfind('=');
  if (eq == std::string::npos || eq == 0) throw InputError(option_error("smooth", entry, "expected factor=δ"));
  const std::string text = entry.substr(eq + 1);
  char* end = nullptr;
  const double delta = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(delta) || delta < 0)
    throw InputError(option_error("smooth", entry, "δ must be a number ≥ 0"));
  return {entry.substr(0, eq), delta};
}

// The ratebook's variables of a factor named by an option ("base": the base rate), or fails.
std::pair<int, int> factor_variables(const Ratebook& ratebook, const RatebookVariables& v, const char* key,
                                     const std::string& entry, const std::string& factor) {
  if (factor == "base") return {0, 1};
  const int f = ratebook.find(factor);
  if (f < 0) throw InputError(option_error(key, entry, "the ratebook has no factor " + quoted_text(factor)));
  return {v.factor_offset[f], v.factor_offset[f] + static_cast<int>(ratebook.factors[f].levels.size())};
}

int level_variable(const Ratebook& ratebook, const RatebookVariables& v, const char* key, const std::string& entry,
                   const std::string& factor, const std::string& level) {
  const auto [first, last] = factor_variables(ratebook, v, key, entry, factor);
  for (int j = first; j < last; ++j)
    if (v.level[j] == level) return j;
  throw InputError(option_error(key, entry, "factor " + quoted_text(factor) + " has no level " + quoted_text(level)));
}

void apply_bounds(const Ratebook& ratebook, const RatebookOptions& options, RatebookVariables& v) {
  // factor-wide entries first, so that a per-level entry overrides its factor's
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& entry : options.level_bounds) {
      const BoundSpec spec = parse_bound_spec(entry);
      if (spec.per_level != (pass == 1)) continue;
      auto [first, last] = factor_variables(ratebook, v, "level_bounds", entry, spec.factor);
      if (spec.per_level) {
        first = level_variable(ratebook, v, "level_bounds", entry, spec.factor, spec.level);
        last = first + 1;
      }
      for (int j = first; j < last; ++j) {
        v.lo[j] = std::log(spec.lo);
        v.hi[j] = std::log(spec.hi);
        v.lo_factor[j] = spec.lo;
        v.hi_factor[j] = spec.hi;
      }
    }
}

void apply_fixes_and_orders(const Ratebook& ratebook, const RatebookOptions& options, RatebookVariables& v) {
  for (const std::string& entry : options.fix) {
    const size_t eq = entry.rfind('=');
    if (eq == std::string::npos) {
      const auto [first, last] = factor_variables(ratebook, v, "fix", entry, entry);
      for (int j = first; j < last; ++j) v.fixed[j] = 1;
    } else {
      v.fixed[level_variable(ratebook, v, "fix", entry, entry.substr(0, eq), entry.substr(eq + 1))] = 1;
    }
  }
  for (const std::string& entry : options.monotone) {
    const auto [factor, decreasing] = parse_monotone(entry);
    if (factor == "base") throw InputError(option_error("monotone", entry, "the base rate has no levels to order"));
    const auto [first, last] = factor_variables(ratebook, v, "monotone", entry, factor);
    for (int j = first; j + 1 < last; ++j) {
      const int lower = decreasing ? j + 1 : j, upper = decreasing ? j : j + 1;
      v.orders.push_back({lower, upper, std::log(v.current[upper]) - std::log(v.current[lower])});
    }
  }
  for (const std::string& entry : options.smooth) {
    const auto [factor, delta] = parse_smooth(entry);
    if (factor == "base") throw InputError(option_error("smooth", entry, "the base rate has no levels to smooth"));
    const auto [first, last] = factor_variables(ratebook, v, "smooth", entry, factor);
    for (int j = first; j + 1 < last; ++j) v.smooth.push_back({j, j + 1, delta});
  }
}

}  // namespace

int Ratebook::find(const std::string& name) const {
  for (size_t f = 0; f < factors.size(); ++f)
    if (factors[f].name == name) return static_cast<int>(f);
  return -1;
}

void RatebookOptions::validate() const {
  check_option_bounds(*this);
  for (const std::string& entry : level_bounds) parse_bound_spec(entry);
  for (const std::string& entry : monotone) parse_monotone(entry);
  for (const std::string& entry : smooth) parse_smooth(entry);
}

namespace {

// Adds one (factor, level, relativity) row; the rule it breaks, or "".
std::string add_ratebook_row(Ratebook& book, std::map<std::pair<std::string, std::string>, uint64_t>& seen,
                             const std::string& factor, const std::string& level, double relativity, uint64_t line) {
  if (factor.empty()) return "factor is empty";
  if (level.empty()) return "level is empty";
  if (!(std::isfinite(relativity) && relativity > 0))
    return "relativity = " + std::to_string(relativity) + " must be a number > 0";
  const auto [it, fresh] = seen.emplace(std::make_pair(factor, level), line);
  if (!fresh)
    return "factor " + quoted_text(factor) + " level " + quoted_text(level) + " is given twice (first on line " +
           std::to_string(it->second) + ")";
  int f = book.find(factor);
  if (f < 0) {
    book.factors.push_back({factor, {}, {}, {}});
    f = static_cast<int>(book.factors.size()) - 1;
  }
  book.factors[f].levels.push_back(level);
  book.factors[f].relativity.push_back(relativity);
  book.factors[f].line.push_back(line);
  return "";
}

}  // namespace

Ratebook read_ratebook_csv(const std::string& path) {
  CsvReader reader(path, "ratebook", {"factor", "level", "relativity"});
  const size_t factor_col = reader.column("factor"), level_col = reader.column("level");
  const size_t rel_col = reader.column("relativity");
  Ratebook book;
  book.source = path;
  std::map<std::pair<std::string, std::string>, uint64_t> seen;
  while (reader.next()) {
    const double relativity = reader.number(rel_col, above(0));
    const std::string rule = add_ratebook_row(book, seen, std::string(reader.text(factor_col)),
                                              std::string(reader.text(level_col)), relativity, reader.line());
    if (!rule.empty()) reader.fail(rule);
  }
  if (book.factors.empty()) reader.fail_at(0, "the ratebook has no rows");
  return book;
}

Ratebook ratebook_from_rows(const std::vector<std::string>& factor, const std::vector<std::string>& level,
                            const std::vector<double>& relativity, const std::string& name) {
  if (factor.size() != level.size() || factor.size() != relativity.size())
    throw InputError(name + ": factor, level and relativity have " + std::to_string(factor.size()) + ", " +
                     std::to_string(level.size()) + " and " + std::to_string(relativity.size()) + " rows");
  if (factor.empty()) throw InputError(name + ": the ratebook has no rows");
  Ratebook book;
  book.source = name;
  std::map<std::pair<std::string, std::string>, uint64_t> seen;
  for (size_t i = 0; i < factor.size(); ++i) {
    // rows count from line 2, as in a file with a header
    const std::string rule = add_ratebook_row(book, seen, factor[i], level[i], relativity[i], i + 2);
    if (!rule.empty()) throw InputError(name + "[" + std::to_string(i) + "]: " + rule);
  }
  return book;
}

FactorColumns read_factor_columns(const std::string& book_path) {
  CsvReader reader(book_path, "book");
  FactorColumns out;
  std::vector<size_t> fields;
  for (size_t k = 0; k < reader.header().size(); ++k) {
    const std::string& name = reader.header()[k];
    if (name.rfind(kFactorPrefix, 0) != 0) continue;
    out.names.push_back(name.substr(std::char_traits<char>::length(kFactorPrefix)));
    fields.push_back(k);
  }
  if (fields.empty())
    reader.fail_at(reader.header_line(), "no rating-factor column (factor.<name>, a level label per policy)");
  out.labels.resize(fields.size());
  while (reader.next())
    for (size_t f = 0; f < fields.size(); ++f) out.labels[f].emplace_back(reader.text(fields[f]));
  return out;
}

std::vector<std::vector<int32_t>> assign_levels(const BookView& book, const FactorColumns& factors,
                                                const Ratebook& ratebook) {
  const std::string where = book_header_location(book);
  std::vector<std::vector<int32_t>> levels(ratebook.factors.size());
  for (size_t f = 0; f < factors.names.size(); ++f)
    if (ratebook.find(factors.names[f]) < 0)
      throw InputError(where + "column factor." + factors.names[f] + ": " + ratebook.source + " has no factor " +
                       quoted_text(factors.names[f]));
  for (size_t rf = 0; rf < ratebook.factors.size(); ++rf) {
    const Ratebook::Factor& factor = ratebook.factors[rf];
    size_t column = factors.names.size();
    for (size_t f = 0; f < factors.names.size(); ++f)
      if (factors.names[f] == factor.name) column = f;
    if (column == factors.names.size())
      throw InputError(ratebook.source, static_cast<long>(factor.line[0]),
                       "factor " + quoted_text(factor.name) + " has no column factor." + factor.name + " in the book");
    const std::vector<std::string>& labels = factors.labels[column];
    if (labels.size() != book.size())
      throw InputError(where + "column factor." + factor.name + " has " + std::to_string(labels.size()) +
                       " labels for a book of " + std::to_string(book.size()) + " policies");
    std::unordered_map<std::string, int32_t> index;
    for (size_t l = 0; l < factor.levels.size(); ++l) index.emplace(factor.levels[l], static_cast<int32_t>(l));
    std::vector<int32_t>& out = levels[rf];
    out.resize(book.size());
    bool varies = false;
    for (size_t i = 0; i < book.size(); ++i) {
      const auto it = index.find(labels[i]);
      if (it == index.end())
        throw InputError(book.locate(i, "factor." + factor.name) + " = " + quoted_text(labels[i]) +
                         " is not a level of factor " + quoted_text(factor.name) + " in " + ratebook.source);
      out[i] = it->second;
      varies |= out[i] != out[0];
    }
    // one level is the base rate under another name: the two cannot be told apart
    if (!varies && !labels.empty())
      throw InputError(where + "column factor." + factor.name + " has one level (" + quoted_text(labels[0]) +
                       "): a rating factor needs two or more");
  }
  return levels;
}

RatebookVariables ratebook_variables(const Ratebook& ratebook, const std::vector<std::vector<int32_t>>& levels,
                                     const RatebookOptions& options) {
  RatebookVariables v;
  v.factor.push_back("base");
  v.level.push_back("");
  v.current.push_back(1.0);
  v.policies.push_back(levels.empty() ? 0 : static_cast<int64_t>(levels[0].size()));
  for (size_t f = 0; f < ratebook.factors.size(); ++f) {
    const Ratebook::Factor& factor = ratebook.factors[f];
    v.factor_offset.push_back(v.size());
    for (size_t l = 0; l < factor.levels.size(); ++l) {
      v.factor.push_back(factor.name);
      v.level.push_back(factor.levels[l]);
      v.current.push_back(factor.relativity[l]);
      v.policies.push_back(0);
    }
    for (int32_t l : levels[f]) ++v.policies[v.factor_offset[f] + l];
  }
  v.lo.assign(v.size(), -kInfinity);
  v.hi.assign(v.size(), kInfinity);
  v.lo_factor.assign(v.size(), 0.0);
  v.hi_factor.assign(v.size(), kInfinity);
  v.fixed.assign(v.size(), 0);
  apply_bounds(ratebook, options, v);
  apply_fixes_and_orders(ratebook, options, v);
  // a level no policy has carries no information: it keeps its relativity
  for (int j = 1; j < v.size(); ++j)
    if (v.policies[j] == 0) v.fixed[j] = 1;
  return v;
}

}  // namespace rateopt
