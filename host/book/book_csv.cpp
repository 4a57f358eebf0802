// Book CSV reader and writer (SPEC §1.1, §6).
//
// The reader is a hand-written tokenizer over the raw bytes (read_book_csv, in book_csv_parallel.cpp, maps
// the file and runs it on every thread's share of the rows): a plain row is split at once (CsvCursor::
// simple_row) and its numbers go straight from the buffer through long_decimal (exact, the common spelling)
// or std::from_chars; text is copied only when quoted or stored, and rows allocate nothing beyond the
// amortised growth of the columns.  Anything unusual (spaces, quotes, a leading '+', empty fields, errors)
// drops to the field-by-field path, which gives every message.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rateopt/book.hpp"

#include "book/book_csv_internal.hpp"
#include "io/csv_cursor.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

using NumericColumn = BookNumericColumn;

enum class ColumnKind : uint8_t { ignored, policy_id, group, renewal_flag, number };

/// What the parser does with one field position of the header.
struct FieldPlan {
  std::string name;
  ColumnKind kind = ColumnKind::ignored;
  const NumericColumn* numeric = nullptr;  ///< for ColumnKind::number
  std::vector<double>* values = nullptr;   ///< the book's column, for ColumnKind::number
};

inline bool is_field_end(char c) { return c == ',' || c == '\n' || c == '\r'; }

class BookCsvParser : private CsvCursor {
 public:
  BookCsvParser(const char* data, size_t size, const std::string& name, const CsvShard* shard = nullptr)
      : CsvCursor(data, size, name), begin_(data), shard_(shard) {}

  Book parse();
  /// The header alone: names, the book's flags and warnings; the cursor then sits on the first row.
  BookCsvHeader parse_header();
  /// Rows only, after a header read by another parser: from `first_line` on, and row numbers for default
  /// ids from rows_before + 1 (no rows_before: an empty id throws RowsBeforeNeeded).
  Book parse_rows(const std::vector<std::string>& names, uint64_t first_line, const uint64_t* rows_before,
                  uint64_t& end_line);

 private:
  void read_header(Book& book);
  void plan_columns(const std::vector<std::string>& names, Book& book, uint64_t header_line, bool warn);
  size_t read_rows(Book& book);
  bool read_simple_row(Book& book);
  std::string_view read_text_field(const std::string& column);
  bool read_number(const NumericColumn& column, double& value);
  bool read_number_slow(const NumericColumn& column, double& value);
  uint8_t read_renewal_flag();
  int32_t group_index(Book& book, std::string_view label);
  void append_default_id(Book& book, size_t rows);
  [[noreturn]] void fail_field_count(const char* row_start) const;
  size_t estimate_rows() const;

  const char* begin_;
  const CsvShard* shard_;  ///< null for a whole book
  uint64_t row_line_ = 0;  ///< line where the current row starts, for messages
  uint64_t rows_before_ = 0;
  bool rows_before_known_ = true;
  std::vector<FieldPlan> plan_;
  std::vector<std::string_view> row_fields_;  ///< a simple row's fields
  std::vector<double> row_numbers_;           ///< and its numbers, kept until the whole row has parsed
  std::string group_key_;
  std::unordered_map<std::string, int32_t> group_lookup_;
  int32_t last_group_ = -1;
};

// Reads one field that may be quoted ("..." with "" for a quote) and leaves p_ on the delimiter.
// The view points into the buffer, or into scratch_ for a quoted field.
std::string_view BookCsvParser::read_text_field(const std::string& column) { return field(column); }

// Fast path: a plain number followed by a delimiter.  Returns false for an empty field.
inline bool BookCsvParser::read_number(const NumericColumn& column, double& value) {
  const auto parsed = std::from_chars(p_, end_, value);
  if (parsed.ec == std::errc() && (parsed.ptr == end_ || is_field_end(*parsed.ptr)) && std::isfinite(value)) {
    p_ = parsed.ptr;
    return true;
  }
  return read_number_slow(column, value);
}

// Everything else: surrounding spaces, quotes, a leading '+', empty fields and every error.
bool BookCsvParser::read_number_slow(const NumericColumn& column, double& value) {
  const std::string_view text = trim(read_text_field(column.name));
  if (text.empty()) return false;
  std::string_view number = text;
  // from_chars refuses the '+' that spreadsheets sometimes write.
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') number.remove_prefix(1);
  const char* number_end = number.data() + number.size();
  const auto parsed = std::from_chars(number.data(), number_end, value);
  const std::string shown = std::string(column.name) + " = " + quoted_text(text);
  if (parsed.ec == std::errc::invalid_argument || parsed.ptr != number_end) fail(row_line_, shown + " is not a number");
  if (parsed.ec == std::errc::result_out_of_range) fail(row_line_, shown + " is out of the range of a double");
  if (!std::isfinite(value)) fail(row_line_, shown + " is not a finite number");
  return true;
}

uint8_t BookCsvParser::read_renewal_flag() {
  if (p_ < end_ && (*p_ == '0' || *p_ == '1') && (p_ + 1 == end_ || is_field_end(p_[1]))) {
    return static_cast<uint8_t>(*p_++ - '0');
  }
  const std::string_view text = trim(read_text_field("renewal_flag"));
  if (text.empty()) return 0;
  auto equals_ignoring_case = [&](std::string_view word) {
    return text.size() == word.size() && std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  if (text == "1" || equals_ignoring_case("true")) return 1;
  if (text == "0" || equals_ignoring_case("false")) return 0;
  fail(row_line_, "renewal_flag = " + quoted_text(text) + " is not 0, 1, true or false");
}

// Group labels become indices in order of first appearance.  Books are usually sorted or have few
// groups, so the previous row's label and then a short scan are tried before the hash map.
int32_t BookCsvParser::group_index(Book& book, std::string_view label) {
  if (label.empty()) label = "all";  // an empty optional field takes the default group
  if (last_group_ >= 0 && book.group_names[static_cast<size_t>(last_group_)] == label) return last_group_;
  constexpr size_t kScanLimit = 8;  // with a few groups a scan beats building a key and hashing it
  if (book.group_names.size() <= kScanLimit) {
    for (size_t g = 0; g < book.group_names.size(); ++g) {
      if (book.group_names[g] == label) return last_group_ = static_cast<int32_t>(g);
    }
  }
  group_key_.assign(label.data(), label.size());  // reuses its capacity: no allocation per row
  auto found = group_lookup_.find(group_key_);
  if (found == group_lookup_.end()) {
    require_utf8(row_line_, label, "group");
    const auto index = static_cast<int32_t>(book.group_names.size());
    book.group_names.push_back(group_key_);
    found = group_lookup_.emplace(group_key_, index).first;
  }
  last_group_ = found->second;
  return last_group_;
}

void BookCsvParser::fail_field_count(const char* row_start) const {
  size_t fields = 1;
  bool in_quotes = false;
  for (const char* q = row_start; q < end_; ++q) {
    if (*q == '"') {
      in_quotes = !in_quotes;  // "" inside quotes toggles twice
    } else if (!in_quotes) {
      if (*q == '\n' || *q == '\r') break;
      if (*q == ',') ++fields;
    }
  }
  fail(row_line_, "row has " + std::to_string(fields) + " fields, header has " + std::to_string(plan_.size()));
}

void BookCsvParser::read_header(Book& book) {
  const uint64_t header_line = line_;
  plan_columns(CsvCursor::read_header(), book, header_line, true);
}

// What to do with each field of a row; `warn`: the header's warnings and checks (once a file).
void BookCsvParser::plan_columns(const std::vector<std::string>& header, Book& book, uint64_t header_line, bool warn) {
  std::unordered_set<std::string> names;
  for (const std::string& name : header) {
    FieldPlan field;
    field.name = name;
    names.insert(field.name);
    if (field.name == "policy_id") {
      field.kind = ColumnKind::policy_id;
    } else if (field.name == "group") {
      field.kind = ColumnKind::group;
    } else if (field.name == "renewal_flag") {
      field.kind = ColumnKind::renewal_flag;
    } else {
      for (const NumericColumn& column : book_numeric_columns()) {
        if (field.name == column.name) {
          field.kind = ColumnKind::number;
          field.numeric = &column;
          field.values = &(book.*column.values);
        }
      }
    }
    if (warn && field.kind == ColumnKind::ignored)
      book.warnings.push_back(ignored_column_warning(name_, header_line, field.name, plan_.size() + 1));
    plan_.push_back(std::move(field));
  }
  row_fields_.resize(plan_.size());
  row_numbers_.resize(plan_.size());
  if (!warn) return;
  for (const NumericColumn& column : book_numeric_columns()) {
    if (column.required && names.count(column.name) == 0) {
      fail(header_line, std::string("missing required column \"") + column.name + "\"");
    }
  }
  book.has_enbp = names.count("enbp") > 0;
  book.has_claims_variance = names.count("claims_variance") > 0;
  book.has_group = names.count("group") > 0;
}

// Rows ahead, from the line lengths of the first 64 KiB: enough to reserve once in the common case.
size_t BookCsvParser::estimate_rows() const {
  const size_t remaining = static_cast<size_t>(end_ - p_);
  const size_t sample = std::min<size_t>(remaining, 64 * 1024);
  const auto lines = static_cast<size_t>(std::count(p_, p_ + sample, '\n'));
  if (sample == remaining || lines == 0) return lines + 1;
  return static_cast<size_t>(static_cast<double>(remaining) / static_cast<double>(sample) * 1.05 *
                             static_cast<double>(lines)) +
         16;
}

void BookCsvParser::append_default_id(Book& book, size_t rows) {
  if (!rows_before_known_) throw RowsBeforeNeeded{};
  book.id_chars += std::to_string(rows_before_ + rows + 1);  // the default id is the row number
}

// A row of plain fields (no quotes, no spaces, numbers as a program writes them), split at once and parsed
// into row_numbers_ before anything is stored; false (the cursor back at the row's start) for any other row,
// which the field-by-field loop then reads with its checks and messages.
bool BookCsvParser::read_simple_row(Book& book) {
  const char* const row_start = p_;
  const size_t field_count = plan_.size();
  if (!simple_row(row_fields_.data(), field_count)) return false;
  for (size_t j = 0; j < field_count; ++j) {
    const std::string_view text = row_fields_[j];
    const FieldPlan& field = plan_[j];
    bool plain = true;
    switch (field.kind) {
      case ColumnKind::number: {
        const char* const end = text.data() + text.size();
        double& value = row_numbers_[j];
        if (!long_decimal(text.data(), end, value)) {
          const auto parsed = std::from_chars(text.data(), end, value);
          plain = parsed.ec == std::errc() && parsed.ptr == end && std::isfinite(value);
        }
        break;
      }
      case ColumnKind::renewal_flag:
        plain = text.size() == 1 && (text[0] == '0' || text[0] == '1');
        break;
      case ColumnKind::policy_id:
        plain = !text.empty() && invalid_utf8_at(text) == std::string_view::npos;
        break;
      case ColumnKind::group:
      case ColumnKind::ignored:
        break;
    }
    if (!plain) {
      rewind(row_start, row_line_);
      return false;
    }
  }
  for (size_t j = 0; j < field_count; ++j) {
    const FieldPlan& field = plan_[j];
    switch (field.kind) {
      case ColumnKind::number:
        field.values->push_back(row_numbers_[j]);
        break;
      case ColumnKind::renewal_flag:
        book.renewal_flag.push_back(static_cast<uint8_t>(row_fields_[j][0] - '0'));
        break;
      case ColumnKind::policy_id:
        book.id_chars.append(row_fields_[j].data(), row_fields_[j].size());
        book.id_offset.push_back(book.id_chars.size());
        break;
      case ColumnKind::group:
        book.group.push_back(group_index(book, row_fields_[j]));
        break;
      case ColumnKind::ignored:
        break;
    }
  }
  return true;
}

// The rows from the cursor to the end of the buffer, into the book's columns; returns how many.
size_t BookCsvParser::read_rows(Book& book) {
  const size_t expected_rows = estimate_rows();
  bool has_renewal_flag = false;
  bool has_policy_id = false;
  for (FieldPlan& field : plan_) {
    if (field.values != nullptr) field.values->reserve(expected_rows);
    has_renewal_flag |= field.kind == ColumnKind::renewal_flag;
    has_policy_id |= field.kind == ColumnKind::policy_id;
  }
  if (has_renewal_flag) book.renewal_flag.reserve(expected_rows);
  if (book.has_group) book.group.reserve(expected_rows);
  if (has_policy_id) {
    book.id_offset.reserve(expected_rows + 1);
    book.id_offset.push_back(0);
  }
  book.line_number.reserve(expected_rows);

  const size_t field_count = plan_.size();
  size_t rows = 0;
  while (p_ < end_) {
    if (*p_ == '\n' || *p_ == '\r') {  // blank lines are skipped
      skip_line_end();
      continue;
    }
    const char* row_start = p_;
    row_line_ = line_;
    if (read_simple_row(book)) {
      book.line_number.push_back(row_line_);
      ++rows;
      continue;
    }
    for (size_t j = 0; j < field_count; ++j) {
      const FieldPlan& field = plan_[j];
      switch (field.kind) {
        case ColumnKind::number: {
          double value;
          if (!read_number(*field.numeric, value)) {
            if (field.numeric->required) fail(row_line_, std::string(field.numeric->name) + " is empty");
            value = field.numeric->default_value;
          }
          field.values->push_back(value);
          break;
        }
        case ColumnKind::renewal_flag:
          book.renewal_flag.push_back(read_renewal_flag());
          break;
        case ColumnKind::policy_id: {
          const std::string_view id = read_text_field(field.name);
          require_utf8(row_line_, id, "policy_id");
          if (id.empty()) {
            append_default_id(book, rows);
          } else {
            book.id_chars.append(id.data(), id.size());
          }
          book.id_offset.push_back(book.id_chars.size());
          break;
        }
        case ColumnKind::group:
          book.group.push_back(group_index(book, read_text_field(field.name)));
          break;
        case ColumnKind::ignored:
          read_text_field(field.name);
          break;
      }
      if (j + 1 < field_count) {
        if (p_ == end_ || *p_ != ',') fail_field_count(row_start);
        ++p_;
      }
    }
    if (p_ < end_ && *p_ == ',') fail_field_count(row_start);
    skip_line_end();
    book.line_number.push_back(row_line_);
    ++rows;
  }
  return rows;
}

Book BookCsvParser::parse() {
  Book book;
  book.source = name_;
  skip_to_header("book");
  read_header(book);
  if (shard_ != nullptr) line_ = shard_->first_row_line;
  rows_before_ = shard_ != nullptr ? shard_->rows_before : 0;
  const size_t rows = read_rows(book);
  if (shard_ == nullptr) {
    finish_book_csv(book);
    return book;
  }
  fill_absent_columns(book);  // the book-wide checks and warnings are the caller's
  if (rows > 0) book.validate();
  return book;
}

BookCsvHeader BookCsvParser::parse_header() {
  BookCsvHeader header;
  header.book.source = name_;
  skip_to_header("book");
  const uint64_t header_line = line_;
  header.names = CsvCursor::read_header();
  plan_columns(header.names, header.book, header_line, true);
  header.first_row_line = line_;
  header.rows_offset = static_cast<size_t>(p_ - begin_);
  return header;
}

Book BookCsvParser::parse_rows(const std::vector<std::string>& names, uint64_t first_line, const uint64_t* rows_before,
                               uint64_t& end_line) {
  Book book;
  book.source = name_;
  plan_columns(names, book, 0, false);
  book.has_group = std::find(names.begin(), names.end(), "group") != names.end();
  line_ = first_line;
  rows_before_known_ = rows_before != nullptr;
  rows_before_ = rows_before != nullptr ? *rows_before : 0;
  read_rows(book);
  end_line = line_;
  return book;
}

}  // namespace

void fill_absent_columns(Book& book) {
  const size_t rows = book.line_number.size();
  for (const NumericColumn& column : book_numeric_columns()) {
    std::vector<double>& values = book.*column.values;
    if (values.size() != rows) values.assign(rows, column.default_value);  // column absent from the file
  }
  if (book.renewal_flag.size() != rows) book.renewal_flag.assign(rows, 0);
  if (!book.has_group) {
    book.group.assign(rows, 0);
    book.group_names = {"all"};
  }
}

void finish_book_csv(Book& book) {
  const size_t rows = book.line_number.size();
  if (rows == 0) throw InputError(book.source, 0, "book is empty (a header but no rows)");
  fill_absent_columns(book);
  book.validate();
  size_t positive = 0;
  uint64_t first_positive_line = 0;
  for (size_t i = 0; i < rows; ++i) {
    if (book.elasticity[i] > 0 && positive++ == 0) first_positive_line = book.line_number[i];
  }
  if (positive > 0) {
    book.warnings.push_back(book.source + ": " + std::to_string(positive) +
                            (positive == 1 ? " policy has" : " policies have") +
                            " positive elasticity (first at line " + std::to_string(first_positive_line) + ")");
  }
}

namespace {

/// Buffered writes to a file; numbers are formatted straight into the buffer.
class CsvOutput {
 public:
  explicit CsvOutput(AtomicFile& file) : file_(file), buffer_(kCapacity) {}

  void put(char c) {
    if (used_ == kCapacity) flush();
    buffer_[used_++] = c;
  }
  void put(std::string_view text) {
    while (!text.empty()) {
      if (used_ == kCapacity) flush();
      const size_t n = std::min(text.size(), kCapacity - used_);
      std::memcpy(buffer_.data() + used_, text.data(), n);
      used_ += n;
      text.remove_prefix(n);
    }
  }
  // Shortest text that reads back as exactly the same double (std::to_chars guarantees the round trip).
  void put(double value) {
    if (kCapacity - used_ < kMaxNumberChars) flush();
    const auto written = std::to_chars(buffer_.data() + used_, buffer_.data() + kCapacity, value);
    used_ = static_cast<size_t>(written.ptr - buffer_.data());
  }
  // Quoted only when it must be, so that plain ids stay plain.
  void put_text(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
      put(text);
      return;
    }
    put('"');
    for (char c : text) {
      if (c == '"') put('"');
      put(c);
    }
    put('"');
  }
  void flush() {
    file_.write(std::string_view(buffer_.data(), used_));
    used_ = 0;
  }

 private:
  static constexpr size_t kCapacity = 1 << 20;
  static constexpr size_t kMaxNumberChars = 32;
  AtomicFile& file_;
  std::vector<char> buffer_;
  size_t used_ = 0;
};

template <typename T, typename Predicate>
bool any_of(const std::vector<T>& values, Predicate predicate) {
  return std::any_of(values.begin(), values.end(), predicate);
}

void write_rows(const Book& book, CsvOutput& out) {
  // Optional columns are written only when they carry something, so a file that was read
  // without them is written back without them.
  const bool write_ids = !book.id_offset.empty();
  const bool write_renewal = any_of(book.renewal_flag, [](uint8_t flag) { return flag != 0; });
  const bool write_enbp = book.has_enbp || any_of(book.enbp, [](double v) { return !std::isnan(v); });
  const bool write_prior = any_of(book.prior_multiplier, [](double v) { return v != 1.0; });
  const bool write_variance =
      book.has_claims_variance || any_of(book.claims_variance, [](double v) { return v != 0.0; });
  const bool write_expense = any_of(book.expense, [](double v) { return v != 0.0; });
  const bool write_group = book.has_group || any_of(book.group, [](int32_t g) { return g != 0; });
  const bool write_weight = any_of(book.weight, [](double v) { return v != 1.0; });

  if (write_ids) out.put(std::string_view("policy_id,"));
  out.put(std::string_view("technical_price,expected_loss_cost,p_demand,elasticity"));
  if (write_renewal) out.put(std::string_view(",renewal_flag"));
  if (write_enbp) out.put(std::string_view(",enbp"));
  if (write_prior) out.put(std::string_view(",prior_multiplier"));
  if (write_variance) out.put(std::string_view(",claims_variance"));
  if (write_expense) out.put(std::string_view(",expense"));
  if (write_group) out.put(std::string_view(",group"));
  if (write_weight) out.put(std::string_view(",weight"));
  out.put('\n');

  for (size_t i = 0; i < book.size(); ++i) {
    if (write_ids) {
      out.put_text(
          std::string_view(book.id_chars).substr(book.id_offset[i], book.id_offset[i + 1] - book.id_offset[i]));
      out.put(',');
    }
    out.put(book.technical_price[i]);
    out.put(',');
    out.put(book.expected_loss_cost[i]);
    out.put(',');
    out.put(book.p_demand[i]);
    out.put(',');
    out.put(book.elasticity[i]);
    if (write_renewal) out.put(book.renewal_flag[i] != 0 ? std::string_view(",1") : std::string_view(",0"));
    if (write_enbp) {
      out.put(',');
      if (!std::isnan(book.enbp[i])) out.put(book.enbp[i]);  // empty = not given
    }
    if (write_prior) {
      out.put(',');
      out.put(book.prior_multiplier[i]);
    }
    if (write_variance) {
      out.put(',');
      out.put(book.claims_variance[i]);
    }
    if (write_expense) {
      out.put(',');
      out.put(book.expense[i]);
    }
    if (write_group) {
      out.put(',');
      out.put_text(book.group_names[static_cast<size_t>(book.group[i])]);
    }
    if (write_weight) {
      out.put(',');
      out.put(book.weight[i]);
    }
    out.put('\n');
  }
  out.flush();
}

// The writer indexes every column by row; refuse a book whose columns disagree rather than read past one.
void check_columns_for_writing(const Book& book) {
  const size_t n = book.size();
  const bool lengths_agree = book.expected_loss_cost.size() == n && book.p_demand.size() == n &&
                             book.elasticity.size() == n && book.renewal_flag.size() == n && book.enbp.size() == n &&
                             book.prior_multiplier.size() == n && book.claims_variance.size() == n &&
                             book.expense.size() == n && book.weight.size() == n && book.group.size() == n &&
                             (book.id_offset.empty() || book.id_offset.size() == n + 1);
  if (!lengths_agree) book.validate();  // throws, naming the column
  for (int32_t g : book.group) {
    if (g < 0 || static_cast<size_t>(g) >= book.group_names.size()) book.validate();
  }
}

}  // namespace

Book parse_book_csv(const char* data, size_t size, const std::string& name) {
  return BookCsvParser(data, size, name).parse();
}

Book parse_book_csv_shard(const char* data, size_t size, const std::string& name, const CsvShard& shard) {
  return BookCsvParser(data, size, name, &shard).parse();
}

BookCsvHeader parse_book_csv_header(const char* data, size_t size, const std::string& name) {
  return BookCsvParser(data, size, name).parse_header();
}

Book parse_book_csv_rows(const char* begin, const char* end, const std::string& name,
                         const std::vector<std::string>& names, uint64_t first_line, const uint64_t* rows_before,
                         uint64_t& end_line) {
  return BookCsvParser(begin, static_cast<size_t>(end - begin), name)
      .parse_rows(names, first_line, rows_before, end_line);
}

void write_book_csv(const Book& book, const std::string& path) {
  check_columns_for_writing(book);
  AtomicFile file(path);  // a reader never sees half a file
  CsvOutput out(file);
  write_rows(book, out);
  file.commit();
}

}  // namespace rateopt
