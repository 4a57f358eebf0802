// A grid from arrays held by the caller (rateopt/grid.hpp grid_from_arrays): the float64 columns are
// viewed, every value checked by the rules the CSV reader applies (grid/grid_rules.hpp), and problems
// named by column and row index.
#include <cmath>
#include <limits>
#include <unordered_map>

#include "grid/grid_rules.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"

namespace rateopt {

namespace {

std::string at(const std::string& name, size_t i) { return name + "[" + std::to_string(i) + "]"; }

class ArraysReader {
 public:
  explicit ArraysReader(const GridArrays& a) : a_(a), rows_(a.premium.size()) {}

  GridBook build() {
    g_.source = a_.source;
    check_offsets();
    set_policy_ids();
    check_steps();
    g_.premium = view_of("premium", a_.premium, grid_rules::premium);
    g_.demand = view_of("demand", a_.demand, grid_rules::demand);
    g_.loss_cost = column_of("expected_loss_cost", a_.expected_loss_cost, grid_rules::money);
    g_.expense = column_of("expense", a_.expense, grid_rules::money);
    if (a_.extra.size() != a_.extra_names.size()) throw InputError("extra columns and their names differ in number");
    for (size_t k = 0; k < a_.extra.size(); ++k) {
      g_.extra_names.push_back(a_.extra_names[k]);
      g_.extra.push_back(column_of(a_.extra_names[k], a_.extra[k], any_value));
    }
    g_.weight = per_policy_of("weight", a_.weight, grid_rules::weight, 1.0);
    if (!a_.enbp.empty()) g_.enbp = per_policy_of("enbp", a_.enbp, grid_rules::enbp, kNone);
    set_renewal_and_group();
    set_baseline();
    return std::move(g_);
  }

 private:
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

  size_t policies() const { return a_.offset.size() - 1; }
  const std::string& id(size_t i) const { return g_.policy_id[i]; }

  void check_offsets() {
    if (a_.offset.size() < 2) throw InputError("offsets: need N + 1 ≥ 2 values (the grid has no policies)");
    if (a_.offset[0] != 0) throw InputError("offsets[0] = " + std::to_string(a_.offset[0]) + " must be 0");
    for (size_t i = 0; i + 1 < a_.offset.size(); ++i)
      if (a_.offset[i + 1] <= a_.offset[i])
        throw InputError(at("offsets", i + 1) + " = " + std::to_string(a_.offset[i + 1]) + " must exceed offsets[" +
                         std::to_string(i) + "] = " + std::to_string(a_.offset[i]) + " (policy " + std::to_string(i) +
                         " has K = 0 candidates)");
    if (a_.offset.back() != rows_)
      throw InputError("offsets: the last value " + std::to_string(a_.offset.back()) + " must be the number of rows " +
                       std::to_string(rows_) + " (premium's length)");
    if (a_.demand.size() != rows_) throw length_error("demand", a_.demand.size(), false);
    g_.offset = a_.offset;
  }

  void set_policy_ids() {
    const size_t n = policies();
    if (a_.policy_id.empty()) {
      for (size_t i = 0; i < n; ++i) g_.policy_id.push_back(std::to_string(i + 1));
      return;
    }
    if (a_.policy_id.size() != n)
      throw InputError("policy_id has " + std::to_string(a_.policy_id.size()) + " values, the offsets " +
                       std::to_string(n) + " policies");
    std::unordered_map<std::string, size_t> first;
    for (size_t i = 0; i < n; ++i) {
      const auto [seen, fresh] = first.emplace(a_.policy_id[i], i);
      if (!fresh)
        throw InputError(at("policy_id", a_.offset[i]) + ": " +
                         grid_rules::apart_problem(a_.policy_id[i], "row " + std::to_string(a_.offset[seen->second])));
    }
    g_.policy_id = a_.policy_id;
  }

  void check_steps() {
    if (a_.step.empty()) return;
    if (a_.step.size() != rows_) throw length_error("step", a_.step.size(), false);
    for (size_t i = 0; i < policies(); ++i)
      for (size_t r = a_.offset[i]; r < a_.offset[i + 1]; ++r) {
        const long long s = a_.step[r];
        const size_t expected = r - a_.offset[i];
        const std::string earlier =
            s >= 0 && static_cast<size_t>(s) < expected ? at("step", a_.offset[i] + static_cast<size_t>(s)) : "";
        const std::string problem = grid_rules::step_problem(id(i), s, expected, earlier);
        if (!problem.empty()) throw InputError(at("step", r) + ": " + problem);
      }
  }

  InputError length_error(const std::string& name, size_t size, bool per_policy_allowed) const {
    return InputError(name + " has " + std::to_string(size) + " values: expected " + std::to_string(rows_) +
                      " (one per row)" +
                      (per_policy_allowed ? " or " + std::to_string(policies()) + " (one per policy)" : ""));
  }

  static void check_numbers(const std::string& name, ColumnView<double> v, const Bounds& rule) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string problem = grid_rules::number_problem(v[i], rule);
      if (!problem.empty()) throw InputError(at(name, i) + " = " + shortest(v[i]) + " " + problem);
    }
  }

  GridArray<double> view_of(const std::string& name, ColumnView<double> v, const Bounds& rule) const {
    check_numbers(name, v, rule);
    return GridArray<double>::view(v.data(), v.size());
  }

  // A per-row column (a view, kept once per policy where constant within each) or a per-policy one.
  GridColumn column_of(const std::string& name, ColumnView<double> v, const Bounds& rule) const {
    GridColumn c;
    if (v.empty()) return c;
    if (v.size() != rows_ && v.size() != policies()) throw length_error(name, v.size(), true);
    c.values = view_of(name, v, rule);
    c.per_row = v.size() == rows_ && rows_ != policies();
    if (c.per_row) grid_rules::store_once_per_policy_when_constant(c, g_.offset);
    return c;
  }

  // A per-policy number: N values viewed, or R values (NaN = not given) that agree within each policy.
  GridArray<double> per_policy_of(const std::string& name, ColumnView<double> v, const Bounds& rule,
                                  double absent) const {
    const size_t n = policies();
    if (v.empty()) return std::vector<double>(n, absent);
    if (v.size() == n) {
      for (size_t i = 0; i < n; ++i) {
        const std::string problem =
            std::isnan(v[i]) && std::isnan(absent) ? "" : grid_rules::number_problem(v[i], rule);
        if (!problem.empty()) throw InputError(at(name, i) + " = " + shortest(v[i]) + " " + problem);
      }
      return GridArray<double>::view(v.data(), n);
    }
    if (v.size() != rows_) throw length_error(name, v.size(), true);
    std::vector<double> once(n, absent);
    for (size_t i = 0; i < n; ++i) {
      size_t given = rows_;
      for (size_t r = a_.offset[i]; r < a_.offset[i + 1]; ++r) {
        if (std::isnan(v[r])) continue;
        const std::string problem = grid_rules::number_problem(v[r], rule);
        if (!problem.empty()) throw InputError(at(name, r) + " = " + shortest(v[r]) + " " + problem);
        if (given == rows_) {
          given = r;
        } else if (v[r] != v[given]) {
          throw InputError(at(name, r) + " = " + shortest(v[r]) + " " +
                           grid_rules::disagree_problem(shortest(v[given]), id(i), at(name, given)));
        }
      }
      if (given != rows_) once[i] = v[given];
    }
    return once;
  }

  // A per-policy code: N values, or R values agreeing within each policy.
  template <class T>
  std::vector<T> codes_of(const std::string& name, ColumnView<T> v, T absent, T limit) const {
    const size_t n = policies();
    std::vector<T> once(n, absent);
    if (v.empty()) return once;
    const bool per_row = v.size() == rows_;
    if (!per_row && v.size() != n) throw length_error(name, v.size(), true);
    for (size_t i = 0; i < n; ++i) {
      const size_t first = per_row ? a_.offset[i] : i, last = per_row ? a_.offset[i + 1] : i + 1;
      for (size_t r = first; r < last; ++r) {
        if (v[r] < 0 || v[r] >= limit)
          throw InputError(at(name, r) + " = " + std::to_string(v[r]) + " must be in [0, " +
                           std::to_string(static_cast<long long>(limit) - 1) + "]");
        if (v[r] != v[first])
          throw InputError(at(name, r) + " = " + std::to_string(v[r]) + " " +
                           grid_rules::disagree_problem(std::to_string(v[first]), id(i), at(name, first)));
      }
      once[i] = v[first];
    }
    return once;
  }

  void set_renewal_and_group() {
    g_.renewal = codes_of<uint8_t>("renewal_flag", a_.renewal_flag, 0, 2);
    if (a_.group.empty()) {
      g_.group.assign(policies(), 0);
      g_.group_names = {"all"};
      return;
    }
    if (a_.group_names.empty()) throw InputError("group: the group names are missing");
    g_.group = codes_of<int32_t>("group", a_.group, 0, static_cast<int32_t>(a_.group_names.size()));
    g_.group_names = a_.group_names;
  }

  void set_baseline() {
    if (a_.baseline.empty()) return;
    if (a_.baseline.size() != rows_) throw length_error("baseline", a_.baseline.size(), false);
    g_.baseline.assign(policies(), -1);
    for (size_t i = 0; i < policies(); ++i)
      for (size_t r = a_.offset[i]; r < a_.offset[i + 1]; ++r) {
        if (a_.baseline[r] > 1)
          throw InputError(at("baseline", r) + " = " + std::to_string(a_.baseline[r]) + " is not 0 or 1");
        if (a_.baseline[r] == 0) continue;
        if (g_.baseline[i] >= 0)
          throw InputError(at("baseline", r) + ": " +
                           grid_rules::second_baseline_problem(
                               id(i), at("baseline", a_.offset[i] + static_cast<size_t>(g_.baseline[i]))));
        g_.baseline[i] = static_cast<int32_t>(r - a_.offset[i]);
      }
  }

  const GridArrays& a_;
  const size_t rows_;
  GridBook g_;
};

}  // namespace

GridBook grid_from_arrays(const GridArrays& arrays) { return ArraysReader(arrays).build(); }

}  // namespace rateopt
