// rateopt._core: the nanobind module the Python package rateopt is built on.  It binds the public C++
// API (include/rateopt/) and nothing else; the pure-Python layer (python/rateopt/) turns DataFrames
// and keyword arguments into what these functions take.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/ratebook.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt::python {

namespace {

// The library's errors as the Python classes of rateopt/errors.py (InputError is a ValueError,
// DeviceError and SolverError are RuntimeErrors).
void raise_as(const char* name, const char* message) {
  nb::object type = nb::module_::import_("rateopt.errors").attr(name);
  PyErr_SetString(type.ptr(), message);
}

template <class Options>
std::vector<std::string> keys_of() {
  Options o;
  std::vector<std::string> keys;
  for (const OptionField& f : option_fields(o)) keys.emplace_back(f.row.key);
  return keys;
}

// The table's checks, and the struct's own where it has them (options that relate to each other).
void check(const OptimiseOptions& o) { o.validate(); }
void check(const ParetoOptions& o) {
  check_option_bounds(o);
  o.validate();
}
void check(const FrontierOptions& o) { check_option_bounds(o); }
void check(const GridOptions& o) { o.validate(); }

template <class Options>
std::string checked_json(const std::string& json_text, const std::string& source) {
  const auto o = options_from_json<Options>(json_text, source);
  check(o);
  return options_to_json(o);
}

}  // namespace

void bind_errors(nb::module_&) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const InputError& e) {
      raise_as("InputError", e.what());
    } catch (const DeviceError& e) {
      raise_as("DeviceError", e.what());
    } catch (const SolverError& e) {
      raise_as("SolverError", e.what());
    } catch (const Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const Error& e) {
      raise_as("Error", e.what());
    }
  });
}

void bind_options(nb::module_& m) {
  m.def(
      "option_keys",
      [](const std::string& tool) -> std::vector<std::string> {
        if (tool == "optimise") return keys_of<OptimiseOptions>();
        if (tool == "frontier") return keys_of<FrontierOptions>();
        if (tool == "pareto") return keys_of<ParetoOptions>();
        if (tool == "scenarios") return keys_of<ScenarioOptions>();
        if (tool == "generate") return keys_of<GenerateOptions>();
        if (tool == "grid") return keys_of<GridOptions>();
        if (tool == "ratebook") return keys_of<RatebookOptions>();
        throw InputError("unknown tool \"" + tool + "\"");
      },
      nb::arg("tool"), "The keys of a tool's options table (optimise, frontier, pareto, scenarios, generate, grid).");
  m.def(
      "options_json",
      [](const std::string& tool, const std::string& json_text, const std::string& source) -> std::string {
        if (tool == "optimise") return checked_json<OptimiseOptions>(json_text, source);
        if (tool == "frontier") return checked_json<FrontierOptions>(json_text, source);
        if (tool == "pareto") return checked_json<ParetoOptions>(json_text, source);
        if (tool == "grid") return checked_json<GridOptions>(json_text, source);
        throw InputError("unknown tool \"" + tool + "\"");
      },
      nb::arg("tool"), nb::arg("options_json"), nb::arg("source"),
      "Every option of the tool with its value (defaults filled in) after applying options_json; "
      "InputError naming `source` for an unknown key or a value out of bounds.");
}

}  // namespace rateopt::python

NB_MODULE(_core, m) {
  using namespace rateopt::python;
  m.doc() = "rateopt's C++ library: portfolio price optimisation, sweeps, books";
  m.attr("__version__") = rateopt::version_string();
  m.attr("git_revision") = rateopt::git_revision();
  m.attr("cuda_compiled") = RATEOPT_HAVE_CUDA != 0;
  bind_errors(m);
  bind_options(m);
  bind_book(m);
  bind_pricing(m);
  bind_solve(m);
  bind_sweeps(m);
  bind_grid(m);
  bind_ratebook(m);
}
