// The price grid's long CSV reader (rateopt/grid.hpp): one row per (policy, candidate).
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "grid/grid_rules.hpp"
#include "io/csv_reader.hpp"
#include "rateopt/book.hpp"
#include "rateopt/grid.hpp"

namespace rateopt {

namespace {

constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();

// "0", "1", "true", "false" (any case); -1 for anything else.
int flag_value(std::string_view text) {
  std::string lower(text);
  for (char& ch : lower)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  if (lower == "1" || lower == "true") return 1;
  if (lower == "0" || lower == "false") return 0;
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
  void take(const CsvReader& r, const std::string& policy) {
    if (field == CsvReader::npos) return;
    const std::string_view given = r.text(field);
    if (given.empty()) return;
    if (text.empty()) {
      text = std::string(given);
      line = r.line();
    } else if (given != text && !same_number(given, text)) {
      r.fail_field(field, grid_rules::disagree_problem(quoted_text(text), policy, "line " + std::to_string(line)));
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

class GridReader {
 public:
  GridReader(const std::string& path, const std::vector<std::string>& extra_columns)
      : r_(path, "grid file", {"policy_id", "step", "premium", "demand"}) {
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

  GridBook read() {
    g_.source = r_.path();
    g_.sha256 = r_.sha256();
    g_.offset.push_back(0);
    while (r_.next()) read_row();
    if (g_.policy_id.empty()) r_.fail_at(r_.header_line(), "the grid has no candidate rows (K = 0 for every policy)");
    end_policy();
    store_columns();
    if (baseline_ == CsvReader::npos) g_.baseline.clear();
    if (enbp_.field == CsvReader::npos) g_.enbp.clear();
    if (g_.group_names.empty()) g_.group_names.push_back("all");
    return std::move(g_);
  }

 private:
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
      g_.warnings.push_back(r_.path() + ":" + std::to_string(r_.header_line()) + ": ignoring " + std::to_string(count) +
                            (count == 1 ? " column no option uses: " : " columns no option uses: ") + unused);
  }

  void read_row() {
    const std::string_view id = r_.text(id_);
    if (id.empty()) r_.fail("policy_id is empty");
    const long long step = r_.integer(step_, 0, std::numeric_limits<int32_t>::max());
    if (g_.policy_id.empty() || id != g_.policy_id.back()) start_policy(id, step);
    const size_t expected = lines_.size();
    const std::string earlier =
        step < static_cast<long long>(expected) ? "line " + std::to_string(lines_[static_cast<size_t>(step)]) : "";
    const std::string problem = grid_rules::step_problem(std::string(id), step, expected, earlier);
    if (!problem.empty()) r_.fail(problem);
    lines_.push_back(r_.line());
    premium_values_.push_back(r_.number(premium_, grid_rules::premium));
    demand_values_.push_back(r_.number(demand_, grid_rules::demand));
    for (RowColumn& c : columns_) {
      if (c.field == CsvReader::npos) continue;
      c.values.push_back(r_.text(c.field).empty() ? kUnset : r_.number(c.field, c.rule));
    }
    const std::string policy(id);
    for (PolicyValue* v : {&weight_, &renewal_, &group_, &enbp_}) v->take(r_, policy);
    if (baseline_ != CsvReader::npos && !r_.text(baseline_).empty()) {
      const int flag = flag_value(r_.text(baseline_));
      if (flag < 0) r_.fail_field(baseline_, "is not 0, 1, true or false");
      if (flag == 1) {
        if (baseline_line_ != 0)
          r_.fail(grid_rules::second_baseline_problem(std::string(id), "line " + std::to_string(baseline_line_)));
        baseline_line_ = r_.line();
        baseline_step_ = static_cast<int32_t>(step);
      }
    }
  }

  void start_policy(std::string_view id, long long step) {
    if (!g_.policy_id.empty()) end_policy();
    const auto seen = first_line_of_.find(std::string(id));
    if (seen != first_line_of_.end())
      r_.fail(grid_rules::apart_problem(std::string(id), "line " + std::to_string(seen->second)));
    const std::string problem = grid_rules::step_problem(std::string(id), step, 0, "");
    if (!problem.empty()) r_.fail(problem);
    first_line_of_.emplace(std::string(id), r_.line());
    g_.policy_id.emplace_back(id);
    g_.first_line.push_back(r_.line());
    lines_.clear();
    for (PolicyValue* v : {&weight_, &renewal_, &group_, &enbp_}) v->reset();
    baseline_line_ = 0;
    baseline_step_ = -1;
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
  std::unordered_map<std::string, uint64_t> first_line_of_;
  std::unordered_map<std::string, int32_t> group_of_;
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
  return GridReader(path, extra_columns).read();
}

}  // namespace rateopt
