// rateopt._core sweeps: the efficient frontier, the Pareto surface with TOPSIS, elasticity scenarios.
// Results cross as the library's own JSON (frontier_json, pareto_json, scenarios_json) plus numpy
// arrays for the per-policy vectors; the outputs are written by the library's writers.
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt::python {

namespace {

// The book as the sweeps read it: a view of the caller's arrays, not a copy.
BookView view_of(nb::handle book_object) { return nb::cast<PyBook&>(book_object).view(); }

/// Stops a sweep between points when Ctrl-C is pressed or progress(done, total) raises.
SweepProgress sweep_progress(Interruptible& interrupt) {
  return [&interrupt](int done, int total) {
    if (interrupt.stop_requested(done, total)) throw Cancelled();
  };
}

struct PyFrontier {
  FrontierResult result;
  std::optional<double> chosen_limit;  ///< the options' own limit of the swept constraint, marked on the chart
};

PyFrontier frontier(nb::handle book_object, const std::string& options_json, const std::string& frontier_json_text,
                    const std::string& source, nb::handle progress) {
  const BookView book = view_of(book_object);
  const auto options = options_from_json<OptimiseOptions>(options_json, source);
  const auto sweep = options_from_json<FrontierOptions>(frontier_json_text, source);
  Interruptible interrupt(progress);
  const SweepProgress each_point = sweep_progress(interrupt);
  FrontierResult result = interrupt.run([&] { return efficient_frontier(book, options, sweep, each_point); });
  const std::optional<double> chosen = sweep.sweep ? constraint_limit(options, *sweep.sweep) : std::nullopt;
  return PyFrontier{std::move(result), chosen};
}

ParetoResult pareto(nb::handle book_object, const std::string& options_json, const std::string& grid_json,
                    const std::string& source, nb::handle progress) {
  const BookView book = view_of(book_object);
  const auto options = options_from_json<OptimiseOptions>(options_json, source);
  const auto grid = options_from_json<ParetoOptions>(grid_json, source);
  Interruptible interrupt(progress);
  const SweepProgress each_point = sweep_progress(interrupt);
  return interrupt.run([&] { return pareto_surface(book, options, grid, each_point); });
}

struct PyScenarios {
  nb::object book_object;
  ScenarioResult result;
};

// Scenarios from the scenarios table (elasticity_scale, elasticity_files), then the named vectors.
PyScenarios scenarios(nb::handle book_object, const std::string& options_json, const std::string& scenario_json,
                      const std::vector<std::string>& names, const std::vector<InputArray<double>>& elasticities,
                      const std::string& source, nb::handle progress) {
  const BookView book = view_of(book_object);
  const auto options = options_from_json<OptimiseOptions>(options_json, source);
  const auto which = options_from_json<ScenarioOptions>(scenario_json, source);
  check_option_bounds(which);
  std::vector<ElasticityScenario> list;
  if (!which.elasticity_scale.empty() || !which.elasticity_files.empty()) list = make_scenarios(book, which);
  if (names.size() != elasticities.size())
    throw InputError(source + ": " + std::to_string(names.size()) + " scenario names for " +
                     std::to_string(elasticities.size()) + " elasticity vectors");
  for (size_t k = 0; k < names.size(); ++k) {
    const InputArray<double>& e = elasticities[k];
    list.push_back(ElasticityScenario{names[k], std::vector<double>(e.data(), e.data() + e.shape(0)), "array"});
  }
  Interruptible interrupt(progress);
  const SweepProgress each_point = sweep_progress(interrupt);
  ScenarioResult result = interrupt.run([&] { return run_scenarios(book, options, list, each_point); });
  return PyScenarios{nb::borrow(book_object), std::move(result)};
}

std::vector<ParetoObjectives> objectives_of(const std::vector<std::array<double, 3>>& rows) {
  std::vector<ParetoObjectives> points;
  for (const auto& r : rows) points.push_back(ParetoObjectives{r[0], r[1], r[2]});
  return points;
}

}  // namespace

void bind_sweeps(nb::module_& m) {
  nb::class_<PyFrontier>(m, "Frontier")
      .def("json", [](const PyFrontier& f) { return frontier_json(f.result); })
      .def("svg", [](const PyFrontier& f) { return frontier_svg(f.result, f.chosen_limit); })
      .def(
          "write_outputs",
          [](const PyFrontier& f, const std::string& out_dir, bool force) {
            write_frontier_outputs(out_dir, f.result, f.chosen_limit, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false, "frontier.csv, frontier.svg and result.json, as the CLI.");
  m.def("efficient_frontier", &frontier, nb::arg("book"), nb::arg("options_json"), nb::arg("frontier_json"),
        nb::arg("source"), nb::arg("progress").none());

  nb::class_<ParetoResult>(m, "Pareto")
      .def("json", [](const ParetoResult& r) { return pareto_json(r); })
      .def("svg", [](const ParetoResult& r) { return pareto_svg(r); })
      .def(
          "write_outputs",
          [](const ParetoResult& r, const std::string& out_dir, bool force) {
            write_pareto_outputs(out_dir, r, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false,
          "pareto_surface.csv, pareto_front.csv, pareto.svg and result.json, as the CLI.");
  m.def("pareto_surface", &pareto, nb::arg("book"), nb::arg("options_json"), nb::arg("pareto_json"), nb::arg("source"),
        nb::arg("progress").none());

  nb::class_<PyScenarios>(m, "Scenarios")
      .def("json", [](const PyScenarios& s) { return scenarios_json(s.result); })
      .def_prop_ro("multiplier_p10",
                   [](nb::handle self) { return view(nb::cast<PyScenarios&>(self).result.multiplier_p10, self); })
      .def_prop_ro("multiplier_mean",
                   [](nb::handle self) { return view(nb::cast<PyScenarios&>(self).result.multiplier_mean, self); })
      .def_prop_ro("multiplier_p90",
                   [](nb::handle self) { return view(nb::cast<PyScenarios&>(self).result.multiplier_p90, self); })
      .def(
          "multipliers",
          [](nb::handle self, size_t k) {
            const auto& all = nb::cast<PyScenarios&>(self).result.multipliers;
            if (k >= all.size()) throw nb::index_error();
            return view(all[k], self);
          },
          nb::arg("scenario"), "Final multipliers of scenario k (in the order given).")
      .def(
          "write_outputs",
          [](const PyScenarios& s, const std::string& out_dir, bool force) {
            write_scenario_outputs(out_dir, view_of(s.book_object), s.result, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false,
          "scenario_policies.csv, scenarios.csv and result.json, as the CLI.");
  m.def("run_scenarios", &scenarios, nb::arg("book"), nb::arg("options_json"), nb::arg("scenario_json"),
        nb::arg("names"), nb::arg("elasticities"), nb::arg("source"), nb::arg("progress").none());

  m.def(
      "non_dominated",
      [](const std::vector<std::array<double, 3>>& rows, const std::vector<bool>& usable) {
        return non_dominated(objectives_of(rows), usable);
      },
      nb::arg("objectives"), nb::arg("usable"),
      "Indices of the rows (profit, retention, disparity) no other usable row dominates.");
  m.def(
      "topsis_choice",
      [](const std::vector<std::array<double, 3>>& rows, const std::vector<size_t>& candidates,
         const std::array<double, 3>& weights) { return topsis_choice(objectives_of(rows), candidates, weights); },
      nb::arg("objectives"), nb::arg("candidates"), nb::arg("weights"),
      "TOPSIS over the candidate rows (profit ↑, retention ↑, disparity ↓); None when there are none.");
}

}  // namespace rateopt::python
