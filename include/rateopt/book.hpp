// The book of policies in structure-of-arrays form, a non-owning view of one, and its CSV reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rateopt/column_view.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt {

/// Limits on a book's values beyond SPEC-style signs: with them every sum the solver forms over a book
/// (premiums, claims, demand, their squares in the penalties) stays a finite double, so a value in range
/// can never end a solve as numerical_failure by overflow.  Money is per policy.
namespace book_limits {
inline constexpr double max_money = 1e12;             ///< technical_price, expected_loss_cost, enbp, expense
inline constexpr double max_claims_variance = 1e24;   ///< money²
inline constexpr double max_weight = 1e9;             ///< policies one row stands for
inline constexpr double max_abs_elasticity = 30;      ///< |ε|: x0·m^ε stays finite over the multiplier box
inline constexpr double min_prior_multiplier = 1e-3;  ///< prior_multiplier in [1e-3, 1e3], as the box
inline constexpr double max_prior_multiplier = 1e3;
}  // namespace book_limits

/// One row per policy (or per segment when `weight` > 1).  Column vectors all have size(); optional
/// columns that are absent from the file hold their documented defaults, and the has_* flags say
/// whether the file carried them.
struct Book {
  std::string source;         ///< file path the book came from ("" when built in memory)
  std::string source_sha256;  ///< SHA-256 (hex) of the bytes read from source ("" when not read from a file)

  std::vector<double> technical_price;     ///< tc > 0, money
  std::vector<double> expected_loss_cost;  ///< c ≥ 0, money
  std::vector<double> p_demand;            ///< x0 in (0,1): demand at m = 1
  std::vector<double> elasticity;          ///< ε, d ln x / d ln p at m = 1
  std::vector<uint8_t> renewal_flag;       ///< 1 for renewals (default 0)
  std::vector<double> enbp;                ///< equivalent new-business price; NaN where not given
  std::vector<double> prior_multiplier;    ///< current price / tc (default 1)
  std::vector<double> claims_variance;     ///< Var of claims ≥ 0 (default 0)
  std::vector<double> expense;             ///< expected expense ≥ 0 (default 0)
  std::vector<double> weight;              ///< policies the row stands for, > 0 (default 1)
  std::vector<int32_t> group;              ///< index into group_names (default 0 = "all")
  std::vector<std::string> group_names;    ///< distinct `group` labels in order of first appearance

  /// policy_id strings packed: id of row i is id_chars[id_offset[i], id_offset[i+1]).
  /// Empty id_offset means the ids are the 1-based row numbers.
  std::string id_chars;
  std::vector<uint64_t> id_offset;

  /// CSV line number (1-based, header = 1) of each row, for messages; empty for in-memory books.
  std::vector<uint64_t> line_number;

  /// How messages name a row: by file and line ("book.csv:1042: p_demand = 1.3 …", also for books built
  /// in code, whose rows count from line 2), or by 0-based index into the column, for books built from
  /// arrays whose names the caller knows ("p_demand[1040] = 1.3 …", the Python package).
  enum class RowNames { line, index };
  RowNames row_names = RowNames::line;

  bool has_enbp = false;
  bool has_claims_variance = false;
  bool has_group = false;

  /// Warnings raised while reading (unknown columns, positive elasticities, …).
  std::vector<std::string> warnings;

  size_t size() const { return technical_price.size(); }
  std::string policy_id(size_t i) const;
  /// Line number for messages about row i (row + 1 when the book was not read from a file).
  uint64_t line_of(size_t i) const { return line_number.empty() ? i + 2 : line_number[i]; }
  /// Where row i's `column` is, as messages start: "file:line: column" or "column[i]" (row_names).
  std::string locate(size_t i, const std::string& column) const;

  /// Resize every column to n rows with defaults (for books built in code).
  void resize(size_t n);
  /// Check every per-row rule of the book (book_limits included) and the lengths of the columns;
  /// throws InputError naming the row's line, the column and the rule.
  void validate() const;
};

/// A Book that owns nothing: the same fields, each column a view of memory kept alive by the caller for
/// as long as the view is used (only `source`, a path, is copied).  Every function that only reads a
/// book takes one, so a book held elsewhere (the Python package's numpy arrays) is solved without a
/// copy; a Book converts to its view implicitly, so callers holding a Book pass it as before.
struct BookView {
  std::string source;
  std::string source_sha256;  ///< as Book: of the bytes read from source
  ColumnView<double> technical_price, expected_loss_cost, p_demand, elasticity;
  ColumnView<uint8_t> renewal_flag;
  ColumnView<double> enbp, prior_multiplier, claims_variance, expense, weight;
  ColumnView<int32_t> group;
  ColumnView<std::string> group_names;
  std::string_view id_chars;  ///< as Book: empty id_offset = ids are the 1-based row numbers
  ColumnView<uint64_t> id_offset;
  ColumnView<uint64_t> line_number;
  Book::RowNames row_names = Book::RowNames::line;
  bool has_enbp = false;
  bool has_claims_variance = false;
  bool has_group = false;
  ColumnView<std::string> warnings;

  BookView() = default;
  BookView(const Book& book);  // NOLINT: implicit, so that a Book is passed where a view is read

  /// As Book's members of the same names.
  size_t size() const { return technical_price.size(); }
  std::string policy_id(size_t i) const;
  uint64_t line_of(size_t i) const { return line_number.empty() ? i + 2 : line_number[i]; }
  std::string locate(size_t i, const std::string& column) const;
  void validate() const;
  /// A Book owning a copy of every column (for the functions that still take a Book).
  Book to_book() const;
};

/// A numeric column as the CSV header names it: the field that holds it, whether a book must have it,
/// and the value of an absent column or an empty field (NaN enbp = not given).
struct BookNumericColumn {
  const char* name;
  std::vector<double> Book::*values;
  bool required;
  double default_value;
  ColumnView<double> BookView::*view;  ///< the same column in a BookView
};
/// technical_price, expected_loss_cost, p_demand, elasticity (required), then enbp, prior_multiplier,
/// claims_variance, expense, weight.  The other columns are policy_id, renewal_flag and group.
const std::array<BookNumericColumn, 9>& book_numeric_columns();

/// Read a book CSV.  Header names are fixed, order free; unknown columns are ignored
/// with a warning.  Every violation throws InputError naming file, line, column and rule.
/// Accepts LF, CRLF or CR line endings, a UTF-8 BOM, blank lines (skipped) and quoted fields ("..." with
/// "" for a quote).  Empty optional fields take their defaults (empty enbp = not given, empty policy_id =
/// row number, empty group = "all"); renewal_flag is 0/1/true/false in any case.  Ends with validate();
/// positive elasticities give one warning.  A missing file: InputError "path: cannot open: <reason>".
/// The file is read once (a pipe or /dev/stdin works); source_sha256 is the hash of those bytes.
Book read_book_csv(const std::string& path);

/// Parse a book from CSV text already in memory; `name` is used in messages.
Book parse_book_csv(const char* data, size_t size, const std::string& name);

/// Write a book to CSV with the canonical header (full double precision, round-trips exactly).
/// Optional columns are written only when the book carries them (has_* flag set, ids present, or a value
/// other than the default).  Written to a temporary file and renamed over `path` (which it replaces);
/// a write failure throws DeviceError "path: cannot write: <reason>".
void write_book_csv(const Book& book, const std::string& path);

/// The distributions of generate_book.
enum class BookProfile { benchmark, quickstart };
template <>
struct EnumNames<BookProfile> {
  static constexpr std::array<const char*, 2> names{"benchmark", "quickstart"};
};

/// Synthetic books with insurance-optimise's distributions:
///   benchmark  — insurance-optimise's benchmark profile,
///   quickstart — insurance-optimise's quick-start profile.
/// Deterministic for a seed; both profiles set claims_variance = 5·c² (distributions documented in
/// host/book/generate.cpp).  policies == 0: InputError.
Book generate_book(size_t policies, uint64_t seed, BookProfile profile);

/// What `rateopt generate` writes.
struct GenerateOptions {
  std::optional<int64_t> policies;  ///< required
  uint64_t seed = 42;
  BookProfile profile = BookProfile::benchmark;
};
template <class F>
void visit_options(GenerateOptions& o, F&& f) {
  f(required({"policies", "number of policies", at_least(1)}), o.policies);
  f(OptionRow{"seed", "random seed"}, o.seed);
  f(OptionRow{"profile", "distributions: insurance-optimise's benchmark or quick-start book"}, o.profile);
}

}  // namespace rateopt
