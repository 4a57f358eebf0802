// rateopt._core.optimise_ratebook: ratebook mode (rateopt::optimise_ratebook) and what it returns.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "rateopt/impact.hpp"
#include "rateopt/ratebook.hpp"

namespace rateopt::python {

namespace {

struct PyRatebook {
  nb::object book_object;
  OptimiseOptions options;
  RatebookOptions ratebook_options;
  FactorColumns factors;
  RatebookResult result;
  BookView book() const { return nb::cast<PyBook&>(book_object).view(); }
};

PyRatebook solve_ratebook(nb::handle book_object, const std::vector<std::string>& factor_names,
                          const std::vector<std::vector<std::string>>& factor_labels,
                          const std::vector<std::string>& ratebook_factor,
                          const std::vector<std::string>& ratebook_level,
                          const std::vector<double>& ratebook_relativity, const std::string& options_json,
                          const std::string& ratebook_options_json, const std::string& source) {
  PyRatebook r{nb::borrow(book_object),
               options_from_json<OptimiseOptions>(options_json, source),
               options_from_json<RatebookOptions>(ratebook_options_json, source),
               {factor_names, factor_labels},
               {}};
  const Ratebook ratebook = ratebook_from_rows(ratebook_factor, ratebook_level, ratebook_relativity, "ratebook");
  const BookView book = r.book();
  nb::gil_scoped_release release;
  r.result = optimise_ratebook(book, r.factors, ratebook, r.options, r.ratebook_options);
  return r;
}

}  // namespace

void bind_ratebook(nb::module_& m) {
  nb::class_<PyRatebook>(m, "RatebookSolution", "One ratebook solve: its result with its book and options.")
      .def_prop_ro("multiplier",
                   [](nb::handle self) { return view(nb::cast<PyRatebook&>(self).result.solve.multiplier, self); })
      .def_prop_ro("capped_multiplier",
                   [](nb::handle self) -> std::optional<Array<const double>> {
                     const RatebookResult& r = nb::cast<PyRatebook&>(self).result;
                     if (!r.capped) return std::nullopt;
                     return view(r.capped->multiplier, self);
                   })
      .def(
          "result_json",
          [](const PyRatebook& s) { return ratebook_result_json(s.book(), s.options, s.ratebook_options, s.result); },
          "The text of result.json as `rateopt ratebook` writes it.")
      .def(
          "impact_json",
          [](const PyRatebook& s, const std::vector<std::string>& names,
             const std::vector<std::vector<std::string>>& labels) {
            const BookView book = s.book();
            const SolveResult& charged = s.result.capped ? *s.result.capped : s.result.solve;
            std::vector<ImpactSegment> segments = factor_segments(s.factors, s.result);
            for (ImpactSegment& extra : label_segments(names, labels, book.size(), "segments"))
              segments.push_back(std::move(extra));
            return impact_json(impact_rows(solve_impact_policies(book, s.options, charged.multiplier), segments));
          },
          nb::arg("names"), nb::arg("labels"),
          "The impact report's rows by every factor, then by the given label columns, as JSON.")
      .def("report", [](const PyRatebook& s) { return ratebook_report(s.result); })
      .def(
          "write_outputs",
          [](const PyRatebook& s, const std::string& out_dir, bool force) {
            const BookView book = s.book();
            nb::gil_scoped_release release;
            write_ratebook_outputs(out_dir, book, s.factors, s.options, s.ratebook_options, s.result, force);
          },
          nb::arg("out_dir"), nb::arg("force") = false,
          "Write ratebook.csv, policies.csv and result.json as `rateopt ratebook --out-dir` does.");
  m.def("optimise_ratebook", &solve_ratebook, nb::arg("book"), nb::arg("factor_names"), nb::arg("factor_labels"),
        nb::arg("ratebook_factor"), nb::arg("ratebook_level"), nb::arg("ratebook_relativity"), nb::arg("options_json"),
        nb::arg("ratebook_options_json"), nb::arg("source"),
        "New relativities for the ratebook under the options, with the GIL released.");
}

}  // namespace rateopt::python
