// rateopt._core grid functions: a price grid from the caller's arrays (viewed, not copied) and its solve
// (rateopt::solve_grid), with what the Python GridResult reads.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/grid_rule.hpp"

namespace rateopt::python {

namespace {

template <class T>
ColumnView<T> view_of(const std::optional<InputArray<T>>& a) {
  return a ? ColumnView<T>(a->data(), a->shape(0)) : ColumnView<T>();
}

/// A grid over the caller's arrays: `arrays` holds references to them (no copies), `grid` views them.
struct PyGrid {
  std::vector<nb::object> arrays;
  GridBook grid;
};

PyGrid grid_from_columns(const nb::dict& numbers, const InputArray<int64_t>& offsets,
                         const std::optional<InputArray<int64_t>>& step,
                         const std::optional<InputArray<uint8_t>>& renewal_flag,
                         const std::optional<InputArray<int32_t>>& group, const std::vector<std::string>& group_names,
                         const std::optional<InputArray<uint8_t>>& baseline,
                         const std::optional<std::vector<std::string>>& policy_id) {
  PyGrid result;
  GridArrays a;
  a.offset.reserve(offsets.shape(0));
  for (size_t i = 0; i < offsets.shape(0); ++i) {
    if (offsets.data()[i] < 0) throw InputError("offsets[" + std::to_string(i) + "] is negative");
    a.offset.push_back(static_cast<uint64_t>(offsets.data()[i]));
  }
  if (policy_id) a.policy_id = *policy_id;
  a.step = view_of(step);
  a.renewal_flag = view_of(renewal_flag);
  a.group = view_of(group);
  a.group_names = group_names;
  a.baseline = view_of(baseline);
  for (auto [key, value] : numbers) {
    const std::string name = nb::cast<std::string>(key);
    const auto column = nb::cast<InputArray<double>>(value);
    result.arrays.push_back(nb::borrow(value));
    const ColumnView<double> v(column.data(), column.shape(0));
    if (name == "premium") {
      a.premium = v;
    } else if (name == "demand") {
      a.demand = v;
    } else if (name == "expected_loss_cost") {
      a.expected_loss_cost = v;
    } else if (name == "expense") {
      a.expense = v;
    } else if (name == "weight") {
      a.weight = v;
    } else if (name == "enbp") {
      a.enbp = v;
    } else {
      a.extra_names.push_back(name);
      a.extra.push_back(v);
    }
  }
  if (a.premium.empty()) throw InputError("premium is required (one value per candidate row)");
  if (a.demand.empty()) throw InputError("demand is required (one value per candidate row)");
  result.grid = grid_from_arrays(a);
  return result;
}

/// A grid solve: the solved grid (a copy of the views; the caps' compaction owns what it copies), the
/// Python grid it views (kept alive), the options and the result.
struct PyGridSolution {
  nb::object grid_object;
  GridBook grid;
  GridOptions options;
  GridResult result;
  std::string result_json;  ///< made once, so that every read shows the same timestamp
};

PyGridSolution solve(nb::handle grid_object, const std::string& options_json, const std::string& source) {
  PyGridSolution s{nb::borrow(grid_object),
                   nb::cast<PyGrid&>(grid_object).grid,
                   options_from_json<GridOptions>(options_json, source),
                   {},
                   {}};
  {
    nb::gil_scoped_release release;
    s.result = solve_grid(s.grid, s.options);
    s.result_json = grid_result_json(s.grid, s.options, s.result);
  }
  return s;
}

std::vector<std::string> constraint_columns(const std::string& options_json, const std::string& source) {
  const auto o = options_from_json<GridOptions>(options_json, source);
  o.validate();
  return grid_constraint_columns(o);
}

nb::dict policy_columns(const PyGridSolution& s) {
  GridPolicyColumns c = grid_policy_columns(s.grid, s.result);
  nb::dict d;
  d["step"] = adopt(std::move(c.step));
  d["premium"] = adopt(std::move(c.premium));
  d["demand"] = adopt(std::move(c.demand));
  d["expected_loss_cost"] = adopt(std::move(c.expected_loss_cost));
  d["contribution"] = adopt(std::move(c.contribution));
  d["rate_change_pct"] = adopt(std::move(c.rate_change_pct));
  d["candidates"] = adopt(std::move(c.candidates));
  d["split"] = adopt(std::move(c.split));
  return d;
}

/// New quotes' grid priced by a grid rule: the grid priced (kept alive for its policy ids), per policy the
/// chosen row and policies.csv's figures, and the batch report as price_summary.json gives it.
struct PyGridPriced {
  nb::object grid_object;
  std::vector<int64_t> row;
  std::vector<uint8_t> tie, bound_conflict;
  GridPolicyColumns columns;
  std::string summary_json, summary_text;
};

PyGridPriced price_grid(const GridPricingRule& rule, nb::handle grid_object, const std::string& options_json) {
  auto options = options_from_json<PriceOptions>(options_json, "rateopt.GridPricingRule.price()");
  check_option_bounds(options);
  const GridBook& grid = nb::cast<PyGrid&>(grid_object).grid;
  PyGridPriced out;
  out.grid_object = nb::borrow(grid_object);
  {
    nb::gil_scoped_release release;
    std::vector<GridPricedPolicy> priced;
    const GridBatchReport report = price_grid_book(rule, grid, priced, options);
    GridResult chosen;  // the rule's choice, in the form policies.csv's columns are made from
    chosen.choice.resize(priced.size());
    out.row.resize(priced.size());
    out.tie.resize(priced.size());
    out.bound_conflict.resize(priced.size());
    for (size_t i = 0; i < priced.size(); ++i) {
      chosen.choice[i] = static_cast<int32_t>(priced[i].row);
      out.row[i] = static_cast<int64_t>(priced[i].row);
      out.tie[i] = priced[i].tie ? 1 : 0;
      out.bound_conflict[i] = priced[i].bound_conflict ? 1 : 0;
    }
    out.columns = grid_policy_columns(grid, chosen);
    for (size_t i = 0; i < priced.size(); ++i) out.columns.candidates[i] = priced[i].candidates;
    out.summary_json = grid_batch_report_json(rule, report);
    out.summary_text = grid_batch_report_text(report);
  }
  return out;
}

}  // namespace

void bind_grid(nb::module_& m) {
  nb::class_<PyGrid>(m, "Grid", "A price grid: one row per (policy, candidate), columns viewing the caller's arrays.")
      .def_static("from_arrays", &grid_from_columns, nb::arg("numbers"), nb::arg("offsets"), nb::arg("step").none(),
                  nb::arg("renewal_flag").none(), nb::arg("group").none(), nb::arg("group_names"),
                  nb::arg("baseline").none(), nb::arg("policy_id").none(),
                  "Grid from float64 columns by name (premium, demand, expected_loss_cost, expense, weight, enbp, "
                  "and the constrained columns); InputError naming the column and row on bad values.")
      .def_prop_ro("policies", [](const PyGrid& g) { return g.grid.policies(); })
      .def_prop_ro("candidates", [](const PyGrid& g) { return g.grid.candidates(); })
      .def_prop_ro("policy_id", [](const PyGrid& g) { return g.grid.policy_id; })
      .def_prop_ro("bytes_per_candidate", [](const PyGrid& g) { return g.grid.bytes_per_candidate(); })
      .def_prop_ro("offsets", [](nb::handle self) { return view(nb::cast<PyGrid&>(self).grid.offset, self); })
      .def(
          "add_warning", [](PyGrid& g, const std::string& text) { g.grid.warnings.push_back(text); }, nb::arg("text"))
      .def(
          "column_address",
          [](const PyGrid& g, const std::string& name) -> size_t {
            const GridBook& b = g.grid;
            const GridArray<double>* column = name == "premium"              ? &b.premium
                                              : name == "demand"             ? &b.demand
                                              : name == "weight"             ? &b.weight
                                              : name == "enbp"               ? &b.enbp
                                              : name == "expected_loss_cost" ? &b.loss_cost.values
                                              : name == "expense"            ? &b.expense.values
                                                                             : nullptr;
            for (size_t k = 0; k < b.extra_names.size() && column == nullptr; ++k)
              if (b.extra_names[k] == name) column = &b.extra[k].values;
            if (column == nullptr) throw InputError("unknown grid column \"" + name + "\"");
            return reinterpret_cast<size_t>(column->data());
          },
          nb::arg("name"), "Address of the memory the grid reads for a column (to check that nothing was copied).");

  nb::class_<PyGridSolution>(m, "GridSolution", "One grid solve: the library's GridResult with its grid and options.")
      .def_prop_ro("choice", [](nb::handle self) { return view(nb::cast<PyGridSolution&>(self).result.choice, self); })
      .def_prop_ro("multipliers",
                   [](nb::handle self) { return view(nb::cast<PyGridSolution&>(self).result.multipliers, self); })
      .def_prop_ro("policy_id", [](const PyGridSolution& s) { return s.grid.policy_id; })
      .def("policy_outputs", &policy_columns,
           "step, premium, demand, expected_loss_cost, contribution, rate_change_pct, candidates, split per policy.")
      .def(
          "result_json", [](const PyGridSolution& s) { return s.result_json; },
          "The text of result.json, as `rateopt grid` writes it.")
      .def(
          "options_json", [](const PyGridSolution& s) { return options_to_json(s.options); },
          "Every option of the solve, defaults included.")
      .def("report", [](const PyGridSolution& s) { return grid_report(s.result); })
      .def(
          "write_outputs",
          [](const PyGridSolution& s, const std::string& out_dir, bool force) {
            nb::gil_scoped_release release;
            write_grid_outputs(out_dir, s.grid, s.options, s.result, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false,
          "Write result.json, policies.csv and pricing_rule.json as `rateopt grid --out-dir` does (atomically).")
      .def(
          "pricing_rule", [](const PyGridSolution& s) { return GridPricingRule::from_solve(s.grid, s.options, s.result); },
          "The solve's pricing rule, as `rateopt grid` writes it to pricing_rule.json; InputError for an infeasible "
          "solve (it has no multipliers).");

  nb::class_<GridPricingRule>(m, "GridPricingRule",
                              "A grid solve's term prices, caps and constraints: prices new quotes' scored candidates "
                              "without a re-solve (the file `rateopt grid` writes as pricing_rule.json).")
      .def_static("load", &GridPricingRule::load, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
                  "Read a grid rule file; InputError naming the file and the field (an optimise rule, another "
                  "schema version, a missing field or a wrong type).")
      .def_static("parse", &GridPricingRule::parse, nb::arg("json_text"), nb::arg("source"),
                  "A grid rule from its JSON text; messages name `source`.")
      .def("to_json", &GridPricingRule::to_json, "The rule as JSON text (numbers round-trip exactly).")
      .def("save", &GridPricingRule::save, nb::arg("path"), nb::call_guard<nb::gil_scoped_release>(),
           "Write to_json() to path atomically (temporary file, then rename).")
      .def_prop_ro("constrained_columns", &GridPricingRule::constrained_columns,
                   "The numeric columns the quotes must carry besides the grid's own.")
      .def("price", &price_grid, nb::arg("grid"), nb::arg("options_json"),
           "Price every policy of the grid (options: the price options table, e.g. drift_tolerance, threads); "
           "InputError naming the column, or the policy whose caps cannot apply.");

  nb::class_<PyGridPriced>(m, "GridPriced", "A grid priced by a rule: per-policy columns and the batch summary.")
      .def_prop_ro("row", [](nb::handle s) { return view(nb::cast<PyGridPriced&>(s).row, s); })
      .def_prop_ro("tie", [](nb::handle s) { return view(nb::cast<PyGridPriced&>(s).tie, s); })
      .def_prop_ro("bound_conflict", [](nb::handle s) { return view(nb::cast<PyGridPriced&>(s).bound_conflict, s); })
      .def_prop_ro("policy_id", [](const PyGridPriced& p) { return nb::cast<PyGrid&>(p.grid_object).grid.policy_id; })
      .def(
          "policy_outputs",
          [](nb::handle self) {
            const GridPolicyColumns& c = nb::cast<PyGridPriced&>(self).columns;
            nb::dict d;
            d["step"] = view(c.step, self);
            d["premium"] = view(c.premium, self);
            d["demand"] = view(c.demand, self);
            d["expected_loss_cost"] = view(c.expected_loss_cost, self);
            d["contribution"] = view(c.contribution, self);
            d["rate_change_pct"] = view(c.rate_change_pct, self);
            d["candidates"] = view(c.candidates, self);
            return d;
          },
          "step, premium, demand, expected_loss_cost, contribution, rate_change_pct, candidates per policy.")
      .def(
          "summary_json", [](const PyGridPriced& p) { return p.summary_json; },
          "The batch summary `rateopt price --grid` writes as price_summary.json.")
      .def(
          "report", [](const PyGridPriced& p) { return p.summary_text; }, "The batch summary for humans.");
  m.def("solve_grid", &solve, nb::arg("grid"), nb::arg("options_json"), nb::arg("source"),
        "Solve the grid under the options (a JSON object of the grid options table) with the GIL released.");
  m.def("grid_constraint_columns", &constraint_columns, nb::arg("options_json"), nb::arg("source"),
        "The grid columns the options' sum and ratio constraints name.");
}

}  // namespace rateopt::python
