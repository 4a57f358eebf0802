// The price grid's long CSV reader (rateopt/grid.hpp): one row per (policy, candidate).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "grid/grid_rules.hpp"
#include "io/csv_reader.hpp"
#include "rateopt/book.hpp"
#include "rateopt/grid.hpp"

namespace rateopt {

namespace {

constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();

bool same_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t k = 0; k < text.size(); ++k) {
    const char ch = text[k] >= 'A' && text[k] <= 'Z' ? static_cast<char>(text[k] - 'A' + 'a') : text[k];
    if (ch != lower[k]) return false;
  }
  return true;
}

// "0", "1", "true", "false" (any case); -1 for anything else.
int flag_value(std::string_view text) {
  if (text == "1" || same_ignoring_case(text, "true")) return 1;
  if (text == "0" || same_ignoring_case(text, "false")) return 0;
  return -1;
}

// "1" and "1.0" give the same weight.
bool same_number(std::string_view a, std::string_view b) {
  double x = 0, y = 0;
  return parse_number(a, x).empty() && parse_number(b, y).empty() && x == y;
}

// A per-policy column: empty cells take the value given on another row; given values must agree.
struct PolicyValue {
  size_t field = CsvReader::npos;
  std::string text;  // as first given ("" = not yet)
  uint64_t line = 0;
  void reset() {
    text.clear();
    line = 0;
  }
  void take(const CsvReader& r, std::string_view policy) {
    if (field == CsvReader::npos) return;
    const std::string_view given = r.unchecked_text(field);
    if (given.empty() || given == text) return;  // the same bytes as a value already checked
    r.text(field);                               // fails on text that is not UTF-8
    if (text.empty()) {
      text.assign(given.data(), given.size());
      line = r.line();
    } else if (!same_number(given, text)) {
      r.fail_field(
          field, grid_rules::disagree_problem(quoted_text(text), std::string(policy), "line " + std::to_string(line)));
    }
  }
};

// A per-row column: NaN marks an empty cell until the policy's rows are all read.
struct RowColumn {
  std::string name;
  size_t field = CsvReader::npos;
  Bounds rule = any_value;
  bool needs_value = false;  // a constrained column: empty on every row of a policy is an error
  std::vector<double> values;
};

// Where each policy read so far began, without keeping its id: the id's hash → its first line in a flat
// open-addressing table (16 bytes a slot, at most 3/4 full); ids are compared only on a hash match.
class FirstLineTable {
 public:
  /// The first line of an earlier policy whose id has this hash and `same_id_at(line)`, or 0.
  template <class SameIdAt>
  uint64_t find(uint64_t hash, const SameIdAt& same_id_at) const {
    if (slots_.empty()) return 0;
    for (size_t s = hash & mask_;; s = (s + 1) & mask_) {
      if (slots_[s].line == 0) return 0;
      if (slots_[s].hash == hash && same_id_at(slots_[s].line)) return slots_[s].line;
    }
  }
  void add(uint64_t hash, uint64_t line) {
    if (4 * (count_ + 1) > 3 * slots_.size()) grow();
    place(hash, line);
    ++count_;
  }

 private:
  struct Slot {
    uint64_t hash, line;  // line 0: empty
  };
  void place(uint64_t hash, uint64_t line) {
    size_t s = hash & mask_;
    while (slots_[s].line != 0) s = (s + 1) & mask_;
    slots_[s] = Slot{hash, line};
  }
  void grow() {
    std::vector<Slot> old(std::max<size_t>(16, 2 * slots_.size()), Slot{0, 0});
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old)
      if (slot.line != 0) place(slot.hash, slot.line);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, count_ = 0;
};

const std::vector<std::string> kGridRequired = {"policy_id", "step", "premium", "demand"};

class GridReader {
 public:
  GridReader(const std::string& path, const std::vector<std::string>& extra_columns)
      : r_(path, "grid file", kGridRequired), path_(path) {
    init(extra_columns);
  }
  GridReader(const std::string& path, const std::vector<std::string>& extra_columns, CsvRange range)
      : r_(path, "grid file", kGridRequired, range), path_(path) {
    init(extra_columns);
  }
  GridReader(CsvText text, const std::vector<std::string>& extra_columns)
      : r_(std::move(text), "grid file", kGridRequired) {
    init(extra_columns);
  }

  uint64_t cursor_line() const { return r_.cursor_line(); }

  /// The next chunk of at most `policies` whole policies (read_grid_csv: every policy); false at the end.
  bool next(GridBook& out, size_t policies) {
    if (done_) return false;
    chunk_policies_ = std::max<size_t>(policies, 1);
    if (!started_) {
      started_ = true;
      reset_book();
    }
    while (!ready_ && r_.next()) read_row();
    if (ready_) {
      out = std::move(*ready_);
      ready_.reset();
      return true;
    }
    done_ = true;
    if (g_.policy_id.empty()) {
      if (!any_chunk_) r_.fail_at(r_.header_line(), "the grid has no candidate rows (K = 0 for every policy)");
      return false;
    }
    end_policy();
    out = finish_chunk();
    out.sha256 = r_.sha256();  // known once the whole file is read
    return true;
  }

 private:
  void init(const std::vector<std::string>& extra_columns) {
    id_ = r_.column("policy_id");
    step_ = r_.column("step");
    premium_ = r_.column("premium");
    demand_ = r_.column("demand");
    weight_.field = r_.column("weight");
    renewal_.field = r_.column("renewal_flag");
    group_.field = r_.column("group");
    enbp_.field = r_.column("enbp");
    baseline_ = r_.column("baseline");
    columns_.push_back({"expected_loss_cost", r_.column("expected_loss_cost"), grid_rules::money, false, {}});
    columns_.push_back({"expense", r_.column("expense"), grid_rules::money, false, {}});
    for (const std::string& name : extra_columns)
      if (r_.column(name) != CsvReader::npos &&
          std::none_of(columns_.begin(), columns_.end(), [&](const RowColumn& c) { return c.name == name; }))
        columns_.push_back({name, r_.column(name), any_value, true, {}});
    warn_unused_columns();
  }

  void warn_unused_columns() {
    std::string unused;
    size_t count = 0;
    for (size_t j = 0; j < r_.header().size(); ++j) {
      const bool used = j == id_ || j == step_ || j == premium_ || j == demand_ || j == weight_.field ||
                        j == renewal_.field || j == group_.field || j == enbp_.field || j == baseline_ ||
                        std::any_of(columns_.begin(), columns_.end(), [&](const RowColumn& c) { return c.field == j; });
      if (used) continue;
      unused += (count++ ? ", " : "") + quoted_text(r_.header()[j]);
    }
    if (count)
      warnings_.push_back(r_.path() + ":" + std::to_string(r_.header_line()) + ": ignoring " + std::to_string(count) +
                          (count == 1 ? " column no option uses: " : " columns no option uses: ") + unused);
  }

  void read_row() {
    std::string_view id = r_.unchecked_text(id_);
    const bool same_policy = !g_.policy_id.empty() && id == g_.policy_id.back();
    if (!same_policy) id = r_.text(id_);  // a new id: checked as UTF-8 once
    if (id.empty()) r_.fail("policy_id is empty");
    const long long step = r_.integer(step_, 0, std::numeric_limits<int32_t>::max());
    if (!same_policy) start_policy(id, step);
    const size_t expected = lines_.size();
    if (step != static_cast<long long>(expected)) {
      const std::string earlier =
          step < static_cast<long long>(expected) ? "line " + std::to_string(lines_[static_cast<size_t>(step)]) : "";
      r_.fail(grid_rules::step_problem(std::string(id), step, expected, earlier));
    }
    lines_.push_back(r_.line());
    premium_values_.push_back(r_.number(premium_, grid_rules::premium));
    demand_values_.push_back(r_.number(demand_, grid_rules::demand));
    for (RowColumn& c : columns_) {
      if (c.field == CsvReader::npos) continue;
      c.values.push_back(r_.unchecked_text(c.field).empty() ? kUnset : cell(c));
    }
    for (PolicyValue* v : {&weight_, &renewal_, &group_, &enbp_}) v->take(r_, id);
    if (baseline_ != CsvReader::npos && !r_.unchecked_text(baseline_).empty()) {
      const int flag = flag_value(r_.unchecked_text(baseline_));
      if (flag < 0) {
        r_.text(baseline_);  // text that is not UTF-8 fails as such
        r_.fail_field(baseline_, "is not 0, 1, true or false");
      }
      if (flag == 1) {
        if (baseline_line_ != 0)
          r_.fail(grid_rules::second_baseline_problem(std::string(id), "line " + std::to_string(baseline_line_)));
        baseline_line_ = r_.line();
        baseline_step_ = static_cast<int32_t>(step);
      }
    }
  }

  double cell(const RowColumn& c) {
    try {
      return r_.number(c.field, c.rule);
    } catch (const InputError&) {
      r_.text(c.field);  // text that is not UTF-8 fails as such
      throw;
    }
  }

  void start_policy(std::string_view id, long long step) {
    if (!g_.policy_id.empty()) end_policy();
    if (g_.policies() >= chunk_policies_) ready_ = finish_chunk();
    const uint64_t hash = text_hash(id);
    const uint64_t seen = first_line_of_.find(hash, [&](uint64_t line) { return id_at(line) == id; });
    if (seen != 0) r_.fail(grid_rules::apart_problem(std::string(id), "line " + std::to_string(seen)));
    if (step != 0) r_.fail(grid_rules::step_problem(std::string(id), step, 0, ""));
    first_line_of_.add(hash, r_.line());
    g_.policy_id.emplace_back(id);
    g_.first_line.push_back(r_.line());
    lines_.clear();
    for (PolicyValue* v : {&weight_, &renewal_, &group_, &enbp_}) v->reset();
    baseline_line_ = 0;
    baseline_step_ = -1;
  }

  // The id of the policy whose rows began at `line`: from the books in memory, else from the file again
  // (a chunk handed out; only on a hash match).  A pipe cannot be read again: its 64-bit hash decides.
  std::string id_at(uint64_t line) const {
    for (const GridBook* book : {&g_, ready_ ? &*ready_ : nullptr}) {
      if (book == nullptr || book->first_line.empty() || line < book->first_line.front()) continue;
      const auto at = std::lower_bound(book->first_line.begin(), book->first_line.end(), line);
      if (at != book->first_line.end() && *at == line)
        return book->policy_id[static_cast<size_t>(at - book->first_line.begin())];
    }
    if (!path_.empty() && r_.bytes() > 0) {
      CsvReader again(path_, "grid file");
      const size_t id = again.column("policy_id");
      while (again.next() && again.line() <= line)
        if (again.line() == line) return std::string(again.text(id));
    }
    return std::string(r_.unchecked_text(id_));
  }

  // The policy's per-policy values, and its per-row columns' empty cells resolved.
  void end_policy() {
    const std::string& id = g_.policy_id.back();
    g_.offset.push_back(premium_values_.size());
    double w = 1;
    if (!weight_.text.empty()) w = parsed(weight_, grid_rules::weight);
    int renewal = 0;
    if (!renewal_.text.empty() && (renewal = flag_value(renewal_.text)) < 0)
      r_.fail_at(renewal_.line, "renewal_flag = " + quoted_text(renewal_.text) + " is not 0, 1, true or false");
    g_.renewal.push_back(static_cast<uint8_t>(renewal));
    g_.group.push_back(group_index(group_.text.empty() ? "all" : group_.text));
    enbp_values_.push_back(enbp_.text.empty() ? kUnset : parsed(enbp_, grid_rules::enbp));
    weight_values_.push_back(w);
    g_.baseline.push_back(baseline_step_);
    for (RowColumn& c : columns_)
      if (c.field != CsvReader::npos) resolve_empty_cells(c, id);
  }

  double parsed(const PolicyValue& v, const Bounds& rule) {
    const std::string& name = r_.header()[v.field];
    double value = 0;
    const std::string problem = parse_number(v.text, value);
    if (!problem.empty()) r_.fail_at(v.line, name + " = " + quoted_text(v.text) + " " + problem);
    const std::string broken = grid_rules::number_problem(value, rule);
    if (!broken.empty()) r_.fail_at(v.line, name + " = " + quoted_text(v.text) + " " + broken);
    return value;
  }

  int32_t group_index(const std::string& label) {
    const auto found = group_of_.find(label);
    if (found != group_of_.end()) return found->second;
    const auto index = static_cast<int32_t>(g_.group_names.size());
    g_.group_names.push_back(label);
    group_of_.emplace(label, index);
    return index;
  }

  void resolve_empty_cells(RowColumn& c, const std::string& id) {
    const size_t first = g_.offset[g_.offset.size() - 2], last = g_.offset.back();
    double agreed = kUnset;
    bool differ = false, any_empty = false;
    for (size_t r = first; r < last; ++r) {
      if (std::isnan(c.values[r])) {
        any_empty = true;
      } else if (std::isnan(agreed)) {
        agreed = c.values[r];
      } else if (c.values[r] != agreed) {
        differ = true;
      }
    }
    if (!any_empty) return;
    for (size_t r = first; r < last; ++r) {
      if (!std::isnan(c.values[r])) continue;
      if (differ)
        r_.fail_at(lines_[r - first], c.name + " is empty while policy " + quoted_text(id) +
                                          "'s other rows give different values (give it on every row, or once)");
      if (std::isnan(agreed) && c.needs_value)
        r_.fail_at(lines_[r - first],
                   c.name + " is empty on every row of policy " + quoted_text(id) + " (a constraint sums it)");
      c.values[r] = std::isnan(agreed) ? 0.0 : agreed;
    }
  }

  void reset_book() {
    g_ = GridBook();
    g_.source = r_.path();
    g_.offset.push_back(0);
    group_of_.clear();
    // The next chunk is about as long as the last: its columns are sized once, not grown row by row.
    for (std::vector<double>* values : {&premium_values_, &demand_values_}) values->reserve(chunk_rows_);
    for (RowColumn& c : columns_) c.values.reserve(chunk_rows_);
  }

  // The policies read so far as one book; the reader starts the next (the header's warnings go with the first).
  GridBook finish_chunk() {
    store_columns();
    for (RowColumn& c : columns_) c.values.clear();
    if (baseline_ == CsvReader::npos) g_.baseline.clear();
    if (enbp_.field == CsvReader::npos) g_.enbp.clear();
    if (g_.group_names.empty()) g_.group_names.push_back("all");
    chunk_rows_ = g_.premium.size();
    GridBook out = std::move(g_);
    if (!any_chunk_) out.warnings.insert(out.warnings.begin(), warnings_.begin(), warnings_.end());
    any_chunk_ = true;
    reset_book();
    return out;
  }

  // Columns the same on every row of each policy are kept once per policy.
  void store_columns() {
    g_.premium = std::move(premium_values_);
    g_.demand = std::move(demand_values_);
    g_.weight = std::move(weight_values_);
    g_.enbp = std::move(enbp_values_);
    for (RowColumn& c : columns_) {
      if (c.field == CsvReader::npos) continue;
      GridColumn column;
      column.values = std::move(c.values);
      grid_rules::store_once_per_policy_when_constant(column, g_.offset);
      if (c.name == "expected_loss_cost") {
        g_.loss_cost = std::move(column);
      } else if (c.name == "expense") {
        g_.expense = std::move(column);
      } else {
        g_.extra_names.push_back(c.name);
        g_.extra.push_back(std::move(column));
      }
    }
  }

  CsvReader r_;
  GridBook g_;
  size_t id_, step_, premium_, demand_, baseline_;
  PolicyValue weight_, renewal_, group_, enbp_;
  std::vector<RowColumn> columns_;
  std::vector<double> premium_values_, demand_values_, weight_values_, enbp_values_;  // into g_ at the end
  std::vector<uint64_t> lines_;  // line of each row of the current policy
  uint64_t baseline_line_ = 0;
  int32_t baseline_step_ = -1;
  const std::string path_;  // the file, to read again (empty: text in memory)
  FirstLineTable first_line_of_;
  std::unordered_map<std::string, int32_t> group_of_;
  std::vector<std::string> warnings_;  // the header's, given with the first chunk
  size_t chunk_policies_ = std::numeric_limits<size_t>::max();
  size_t chunk_rows_ = 0;          // rows of the last chunk handed out
  std::optional<GridBook> ready_;  // a full chunk, handed out before the policy that follows it
  bool started_ = false, done_ = false, any_chunk_ = false;
};

}  // namespace

size_t GridBook::baseline_row(size_t i) const {
  if (baseline.empty() || baseline[i] < 0) return static_cast<size_t>(-1);
  for (size_t r = offset[i]; r < offset[i + 1]; ++r)
    if (step_of(i, r) == baseline[i]) return r;
  return static_cast<size_t>(-1);
}

size_t GridBook::bytes_per_candidate() const {
  size_t bytes = 2 * sizeof(double);  // premium, demand
  for (const GridColumn* c : {&loss_cost, &expense})
    if (c->per_row) bytes += sizeof(double);
  for (const GridColumn& c : extra)
    if (c.per_row) bytes += sizeof(double);
  if (!step.empty()) bytes += sizeof(int32_t);
  return bytes;
}

size_t GridBook::bytes_per_policy() const {
  size_t bytes =
      sizeof(uint64_t) + sizeof(double) + sizeof(uint8_t) + sizeof(int32_t);  // offset, weight, renewal, group
  if (!baseline.empty()) bytes += sizeof(int32_t);
  if (!enbp.empty()) bytes += sizeof(double);
  for (const GridColumn* c : {&loss_cost, &expense})
    if (c->present() && !c->per_row) bytes += sizeof(double);
  for (const GridColumn& c : extra)
    if (!c.per_row) bytes += sizeof(double);
  return bytes;
}

std::string GridBook::where(size_t i) const {
  return source + (first_line.empty() ? std::string() : ":" + std::to_string(first_line[i]));
}

GridBook read_grid_csv(const std::string& path, const std::vector<std::string>& extra_columns) {
  GridBook grid;
  GridReader(path, extra_columns).next(grid, std::numeric_limits<size_t>::max());
  return grid;
}

GridBook read_grid_csv_text(const std::string& name, std::string text, const std::vector<std::string>& extra_columns) {
  GridBook grid;
  GridReader(CsvText{name, std::move(text)}, extra_columns).next(grid, std::numeric_limits<size_t>::max());
  return grid;
}

struct GridChunkReader::Impl {
  GridReader reader;
};

GridChunkReader::GridChunkReader(const std::string& path, const std::vector<std::string>& extra_columns,
                                 size_t policies)
    : impl_(new Impl{GridReader(path, extra_columns)}), policies_(policies) {}

GridChunkReader::GridChunkReader(const std::string& path, const std::vector<std::string>& extra_columns,
                                 size_t policies, uint64_t begin, uint64_t end, uint64_t first_line)
    : impl_(new Impl{GridReader(path, extra_columns, CsvRange{begin, end, first_line})}), policies_(policies) {}

GridChunkReader::~GridChunkReader() = default;

bool GridChunkReader::next(GridBook& chunk) { return impl_->reader.next(chunk, policies_); }

uint64_t GridChunkReader::end_line() const { return impl_->reader.cursor_line(); }

}  // namespace rateopt
