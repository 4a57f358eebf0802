// rateopt._core.optimise: one portfolio solve (rateopt::optimise) and what it returns.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/pricing_rule.hpp"
#include "rateopt/report.hpp"
#include "rateopt/solve.hpp"

namespace rateopt::python {

namespace {

/// A solve and what its outputs need: the book (kept alive through its Python object) and the options.
struct PySolution {
  nb::object book_object;
  OptimiseOptions options;
  SolveResult result;
  /// Made afresh for each use: the Python book may have grown a warning since (with the GIL held).
  BookView book() const { return nb::cast<PyBook&>(book_object).view(); }
};

PySolution solve(nb::handle book_object, const std::string& options_json, const std::string& source,
                 nb::handle progress) {
  const BookView book = nb::cast<PyBook&>(book_object).view();
  const auto options = options_from_json<OptimiseOptions>(options_json, source);
  Interruptible interrupt(progress);
  int64_t passes = 0;
  const StopRequest should_stop = [&] { return interrupt.stop_requested(++passes); };
  SolveResult result = interrupt.run([&] { return optimise(book, options, should_stop); });
  return PySolution{nb::borrow(book_object), options, std::move(result)};
}

nb::dict policy_columns(const PySolution& s) {
  PolicyOutputs out = policy_outputs(s.book(), s.options, s.result);
  nb::dict d;
  d["new_premium"] = adopt(std::move(out.new_premium));
  d["expected_demand"] = adopt(std::move(out.expected_demand));
  d["contribution"] = adopt(std::move(out.contribution));
  d["rate_change_pct"] = adopt(std::move(out.rate_change_pct));
  d["enbp_binding"] = adopt(std::move(out.enbp_binding));
  return d;
}

/// The portfolio at given multipliers (rateopt::evaluate_portfolio), as a dict of its figures.
nb::dict evaluate(nb::handle book_object, const std::string& options_json, const std::string& source,
                  const InputArray<double>& multipliers, const std::string& name) {
  const BookView book = nb::cast<PyBook&>(book_object).view();
  const auto options = options_from_json<OptimiseOptions>(options_json, source);
  const ColumnView<double> m(multipliers.data(), multipliers.shape(0));
  PortfolioFigures f;
  {
    nb::gil_scoped_release release;
    f = evaluate_portfolio(book, options, m, name);
  }
  nb::dict d;
  d["profit"] = f.profit;
  d["gwp"] = f.gwp;
  d["claims"] = f.claims;
  d["loss_ratio"] = f.loss_ratio;
  d["retention"] = f.retention;
  return d;
}

}  // namespace

void bind_solve(nb::module_& m) {
  nb::class_<PySolution>(m, "Solution", "One solve: the library's SolveResult with its book and options.")
      .def_prop_ro("multiplier",
                   [](nb::handle self) { return view(nb::cast<PySolution&>(self).result.multiplier, self); })
      .def_prop_ro("lower_bound",
                   [](nb::handle self) { return view(nb::cast<PySolution&>(self).result.lower_bound, self); })
      .def_prop_ro("upper_bound",
                   [](nb::handle self) { return view(nb::cast<PySolution&>(self).result.upper_bound, self); })
      .def_prop_ro("book", [](const PySolution& s) { return s.book_object; })
      .def("policy_outputs", &policy_columns,
           "new_premium, expected_demand, contribution, rate_change_pct, enbp_binding per policy.")
      .def(
          "summary_json", [](const PySolution& s) { return summary_json(s.book(), s.options, s.result); },
          "The summary `rateopt optimise --json` prints.")
      .def(
          "result_json", [](const PySolution& s) { return result_json(s.book(), s.options, s.result); },
          "The text of result.json: the summary and the audit trail.")
      .def(
          "options_json", [](const PySolution& s) { return options_to_json(s.options); },
          "Every option of the solve, defaults included.")
      .def(
          "pricing_rule", [](const PySolution& s) { return solve_pricing_rule(s.book(), s.options, s.result); },
          "The solve's pricing rule, as `rateopt optimise` writes it to pricing_rule.json.")
      .def(
          "impact_json",
          [](const PySolution& s, const std::vector<std::string>& names,
             const std::vector<std::vector<std::string>>& labels) {
            const BookView book = s.book();
            const std::vector<ImpactSegment> segments = label_segments(names, labels, book.size(), "segments");
            return impact_json(impact_rows(solve_impact_policies(book, s.options, s.result.multiplier), segments));
          },
          nb::arg("names"), nb::arg("labels"), "The impact report's rows (impact.csv's columns) as JSON.")
      .def("brief_report", [](const PySolution& s) { return s.result.brief_report(); })
      .def("full_report", [](const PySolution& s) { return s.result.full_report(); })
      .def(
          "write_outputs",
          [](const PySolution& s, const std::string& out_dir, bool force) {
            const BookView book = s.book();
            nb::gil_scoped_release release;
            write_solve_outputs(out_dir, book, s.options, s.result, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false,
          "Write result.json, policies.csv and pricing_rule.json as `rateopt optimise --out-dir` does.");
  m.def("optimise", &solve, nb::arg("book"), nb::arg("options_json"), nb::arg("source"), nb::arg("progress").none(),
        "Solve the book under the options (a JSON object of the optimise options table) with the GIL "
        "released; Ctrl-C, or an exception raised by progress(passes), stops it between passes.");
  m.def("evaluate_portfolio", &evaluate, nb::arg("book"), nb::arg("options_json"), nb::arg("source"),
        nb::arg("multipliers"), nb::arg("name") = "multipliers",
        "profit, gwp, claims, loss_ratio and retention (NaN without renewals) of the book at the "
        "multipliers, computed as a solve reports its answer; no solve.  Errors name name[i].");
}

}  // namespace rateopt::python
