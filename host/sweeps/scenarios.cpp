// Elasticity scenarios (SPEC §2): scenario construction, the elasticity-file reader, and the run —
// one prepared book, one backend, a cold solve per scenario, percentiles over the converged ones.
#include "rateopt/scenarios.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <omp.h>

#include "io/csv_reader.hpp"
#include "io/format.hpp"
#include "optimise/problem.hpp"
#include "optimise/solve_internal.hpp"
#include "optimise/solver.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/policy_math.hpp"

namespace rateopt {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// Book row of a policy_id, by exact text.  Ids that are row numbers (no policy_id column) are
/// matched arithmetically.  Stored ids go through an open-addressing hash table of (hash tag, row)
/// slots over the book's packed id text, built once (it also proves the book's ids unique, without
/// which matching by id is ambiguous: InputError); the row after the previous match is tried first,
/// as files written from the book come in book order.
class PolicyIndex {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  explicit PolicyIndex(const BookView& book) : book_(book) {
    if (book.id_offset.empty()) return;
    const size_t n = book.size();
    if (n >= std::numeric_limits<uint32_t>::max())
      throw InputError(book.source, 0, "more than 4294967294 policies: elasticity files cannot be matched");
    size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    mask_ = capacity - 1;
    slots_.assign(capacity, Slot{0, 0});
    for (size_t i = 0; i < n; ++i) {
      const std::string_view id = id_of(i);
      const uint64_t h = text_hash(id);
      const auto tag = static_cast<uint32_t>(h >> 32);
      for (size_t s = h & mask_;; s = (s + 1) & mask_) {
        Slot& slot = slots_[s];
        if (slot.row_plus_one == 0) {
          slot = Slot{tag, static_cast<uint32_t>(i + 1)};
          break;
        }
        if (slot.tag == tag && id_of(slot.row_plus_one - 1) == id) {
          const size_t first = slot.row_plus_one - 1;
          throw InputError(book.source.empty() ? std::string("book") : book.source, static_cast<long>(book.line_of(i)),
                           "policy_id " + quoted_text(id) + " repeats the one at line " +
                               std::to_string(book.line_of(first)) +
                               "; elasticity files match policies by policy_id, which must then be unique");
        }
      }
    }
  }

  /// Row of id, or npos; `hint` is the row expected.
  size_t find(std::string_view id, size_t hint) const {
    if (book_.id_offset.empty()) {
      // ids are "1".."n" exactly as std::to_string writes them: digits, no sign, no leading zero
      if (id.empty() || id[0] < '1' || id[0] > '9') return npos;
      uint64_t row = 0;
      const auto parsed = std::from_chars(id.data(), id.data() + id.size(), row);
      if (parsed.ec != std::errc() || parsed.ptr != id.data() + id.size() || row > book_.size()) return npos;
      return static_cast<size_t>(row - 1);
    }
    if (hint < book_.size() && id_of(hint) == id) return hint;
    const uint64_t h = text_hash(id);
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.row_plus_one == 0) return npos;
      if (slot.tag == tag && id_of(slot.row_plus_one - 1) == id) return slot.row_plus_one - 1;
    }
  }

 private:
  struct Slot {
    uint32_t tag;           ///< high half of the id's hash
    uint32_t row_plus_one;  ///< 0 = empty
  };

  std::string_view id_of(size_t i) const {
    return {book_.id_chars.data() + book_.id_offset[i], book_.id_offset[i + 1] - book_.id_offset[i]};
  }

  const BookView book_;  // a view is small: held by value, so a temporary made from a Book cannot dangle
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

std::string file_stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() ? path : base;
}

// ---------------------------------------------------------------- the run

// The demand parameters of SPEC §1.2 for one elasticity vector, exactly as prepare_problem derives them.
void set_demand(PolicyArrays& pa, const BookView& book, const std::vector<double>& elasticity) {
  const size_t n = book.size();
  for (size_t i = 0; i < n; ++i) {
    const double x0 = book.p_demand[i], eps = elasticity[i];
    if (pa.demand == math::DemandKind::log_linear) {
      pa.d0[i] = x0;
      pa.d1[i] = eps;
    } else {
      math::logistic_parameters(x0, eps, pa.d0[i], pa.d1[i]);
    }
  }
}

void validate_scenarios(const BookView& book, const std::vector<ElasticityScenario>& scenarios) {
  if (scenarios.empty()) throw InputError("no elasticity scenarios given (use elasticity scales or files)");
  std::unordered_set<std::string> names;
  for (const ElasticityScenario& s : scenarios) {
    if (s.name.empty()) throw InputError("an elasticity scenario has an empty name");
    if (!names.insert(s.name).second)
      throw InputError("scenario name \"" + s.name + "\" is used twice; scenario names must be unique" +
                       (s.source.empty() ? std::string() : " (second from " + s.source + ")"));
    if (s.elasticity.size() != book.size())
      throw InputError("scenario \"" + s.name + "\" has " + std::to_string(s.elasticity.size()) +
                       " elasticities for a book of " + std::to_string(book.size()) + " policies");
    for (size_t i = 0; i < s.elasticity.size(); ++i)
      if (!std::isfinite(s.elasticity[i]))
        throw InputError("scenario \"" + s.name + "\": elasticity of policy_id \"" + book.policy_id(i) +
                         "\" = " + shortest(s.elasticity[i]) + " is not a finite number");
  }
}

// Linear interpolation between order statistics of an ascending array (numpy's default method).
double percentile_sorted(const double* v, size_t n, double q) {
  if (n == 0) return kNaN;
  if (n == 1) return v[0];
  const double h = static_cast<double>(n - 1) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= n) return v[n - 1];
  const double frac = h - static_cast<double>(lo);
  return frac == 0.0 ? v[lo] : v[lo] + frac * (v[lo + 1] - v[lo]);
}

double mean_sorted(const double* v, size_t n) {
  if (n == 0) return kNaN;
  double s = 0;
  for (size_t k = 0; k < n; ++k) s += v[k] - v[0];
  return v[0] + s / static_cast<double>(n);
}

}  // namespace

// ---------------------------------------------------------------- public API

std::vector<double> parse_scale_list(const std::string& text) {
  ScenarioOptions o;
  o.elasticity_scale = parse_number_list("elasticity_scale", text);
  check_option_bounds(o);
  return o.elasticity_scale;
}

std::vector<ElasticityScenario> make_scenarios(const BookView& book, const ScenarioOptions& options) {
  check_option_bounds(options);
  if (options.elasticity_scale.empty() && options.elasticity_files.empty())
    throw InputError("option: give --elasticity-scale and/or --elasticity-files");
  std::vector<ElasticityScenario> scenarios;
  if (!options.elasticity_scale.empty()) scenarios = scale_scenarios(book, options.elasticity_scale);
  for (const std::string& path : options.elasticity_files) scenarios.push_back(read_elasticity_file(book, path));
  return scenarios;
}

std::vector<ElasticityScenario> scale_scenarios(const BookView& book, const std::vector<double>& scales) {
  if (scales.empty()) throw InputError("option elasticity_scale: no scale factors given");
  std::vector<ElasticityScenario> out;
  out.reserve(scales.size());
  for (size_t k = 0; k < scales.size(); ++k) {
    double s = scales[k];
    if (!std::isfinite(s) || s < 0)
      throw InputError("option elasticity_scale: " + shortest(s) + " must be a finite number ≥ 0");
    if (s == 0) s = 0.0;  // −0 and 0 are one scenario, named "scale_0"
    for (size_t j = 0; j < k; ++j)
      if (scales[j] == s) throw InputError("option elasticity_scale: " + shortest(s) + " is given twice");
    ElasticityScenario sc;
    sc.name = "scale_" + shortest(s);
    sc.source = "scale " + shortest(s) + " of the book's elasticity";
    sc.elasticity.resize(book.elasticity.size());
    for (size_t i = 0; i < book.elasticity.size(); ++i) sc.elasticity[i] = book.elasticity[i] * s;
    out.push_back(std::move(sc));
  }
  return out;
}

ElasticityScenario read_elasticity_file(const BookView& book, const std::string& path) {
  const PolicyIndex index(book);  // first: a book whose ids repeat fails before the file is read
  CsvReader csv(path, "elasticity file", {"policy_id", "elasticity"});
  const size_t id_col = csv.column("policy_id"), value_col = csv.column("elasticity");

  const size_t n = book.size();
  ElasticityScenario out;
  out.name = file_stem(path);
  out.source = path;
  out.elasticity.assign(n, kNaN);
  std::vector<uint64_t> line_of_row(n, 0);  // the file line that gave each policy its value, 0 = none yet
  size_t next_row = 0;
  while (csv.next()) {
    const std::string_view id = csv.raw(id_col);
    const bool value_empty = csv.text(value_col).empty();
    const double value = value_empty ? kNaN : csv.number(value_col);
    if (id.empty()) csv.fail("policy_id is empty");
    if (value_empty) csv.fail("elasticity is empty");
    const size_t row = index.find(id, next_row);
    if (row == PolicyIndex::npos)
      csv.fail("policy_id " + quoted_text(id) + " is not in the book" +
               (book.source.empty() ? std::string() : " " + book.source));
    if (line_of_row[row] != 0)
      csv.fail("policy_id " + quoted_text(id) + " appears again (first at line " + std::to_string(line_of_row[row]) +
               ")");
    line_of_row[row] = csv.line();
    out.elasticity[row] = value;
    next_row = row + 1;
  }
  const size_t rows = csv.rows();
  if (rows != n) {
    size_t first = 0;
    while (first < n && line_of_row[first] != 0) ++first;
    const std::string book_line = book.source.empty() ? "book row " + std::to_string(first + 1)
                                                      : book.source + ":" + std::to_string(book.line_of(first));
    throw InputError(path, 0,
                     std::to_string(n - rows) + " of the book's " + std::to_string(n) +
                         " policies are missing, first policy_id " + quoted_text(book.policy_id(first)) + " (" +
                         book_line + ")");
  }
  return out;
}

double scenario_percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return percentile_sorted(values.data(), values.size(), q);
}

double scenario_mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  const double low = *std::min_element(values.begin(), values.end());
  double s = 0;
  for (double v : values) s += v - low;
  return low + s / static_cast<double>(values.size());
}

ScenarioResult run_scenarios(const BookView& book, const OptimiseOptions& options,
                             const std::vector<ElasticityScenario>& scenarios, const SweepProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  ScenarioResult out = run_scenario_block(book, options, scenarios, 0, scenarios.size(), nullptr, progress);
  scenario_percentiles(out, book.size(), options.threads);
  out.seconds = seconds_since(start);
  return out;
}

ScenarioResult run_scenario_block(const BookView& book, const OptimiseOptions& options,
                                  const std::vector<ElasticityScenario>& scenarios, size_t first, size_t end,
                                  size_t* setup_warnings, const SweepProgress& progress) {
  options.validate();
  book.validate();
  validate_scenarios(book, scenarios);

  const size_t n = book.size();
  const int total = static_cast<int>(end - first);

  ScenarioResult out;
  out.options = options;
  if (setup_warnings != nullptr) *setup_warnings = 0;
  if (first >= end) return out;
  SolveResult setup;
  Problem problem = prepare_problem(book, options, setup);
  for (const std::string& w : setup.warnings) out.warnings.push_back(w);
  if (setup.n_bound_conflicts > 0) out.warnings.push_back(bound_conflict_warning(setup.n_bound_conflicts));
  if (setup_warnings != nullptr) *setup_warnings = out.warnings.size();
  set_demand(problem.policies, book, scenarios[first].elasticity);
  std::unique_ptr<Backend> backend = choose_backend(options, problem.policies, setup);
  out.backend_used = setup.backend_used;
  out.device_name = setup.device_name;
  out.fallback_reason = setup.fallback_reason;

  out.scenarios.reserve(end - first);
  out.multipliers.reserve(end - first);
  for (int k = 0; k < total; ++k) {
    const ElasticityScenario& sc = scenarios[first + static_cast<size_t>(k)];
    const auto t0 = std::chrono::steady_clock::now();
    if (k > 0) {
      set_demand(problem.policies, book, sc.elasticity);
      try {
        backend->upload(problem.policies);  // the demand arrays changed; multipliers restart at lb
      } catch (const DeviceError& e) {
        // A re-upload can fail where the first one fit (the device holds the old arrays while it
        // checks); auto falls back to the CPU for the remaining scenarios, saying so.
        if (options.device == Device::cuda || backend->name() == "cpu") throw;
        backend = make_cpu_backend(options.threads);
        backend->upload(problem.policies);
        out.fallback_reason = "scenario " + sc.name + ": " + e.what() + "; using the CPU from there on";
        out.backend_used = backend->name();
        out.device_name = backend->device_name();
      }
    }
    SolveResult r;
    build_constraints(problem, book, options, r);
    run_solver(problem, *backend, options, r);

    ScenarioSummary s{sc.name, point_summary(r, r.passes, seconds_since(t0)), sc.source};
    out.passes += r.passes;

    // the warnings optimise would give this scenario that the shared setup does not already carry
    size_t positive = 0, above_one = 0;
    for (size_t i = 0; i < n; ++i) {
      positive += sc.elasticity[i] > 0;
      if (problem.policies.demand == math::DemandKind::log_linear && i < r.multiplier.size() &&
          math::demand_value(math::DemandKind::log_linear, problem.policies.d0[i], problem.policies.d1[i],
                             r.multiplier[i]) > 1.0)
        ++above_one;
    }
    if (positive > 0)
      out.warnings.push_back("scenario " + sc.name + ": " + std::to_string(positive) +
                             (positive == 1 ? " policy has" : " policies have") + " positive elasticity");
    if (above_one > 0)
      out.warnings.push_back(
          "scenario " + sc.name + ": " + std::to_string(above_one) +
          " policies have log-linear demand above 1 at the answer (not capped, as in insurance-optimise)");

    out.scenarios.push_back(std::move(s));
    out.multipliers.push_back(std::move(r.multiplier));
    if (progress) progress(k + 1, total);
  }
  return out;
}

void scenario_percentiles(ScenarioResult& out, size_t n, int thread_option) {
  // percentiles over the converged scenarios
  std::vector<size_t> used;
  for (size_t k = 0; k < out.scenarios.size(); ++k)
    if (out.scenarios[k].summary.converged) used.push_back(k);
  out.n_converged = static_cast<int>(used.size());
  std::vector<double> profits;
  for (size_t k : used) profits.push_back(out.scenarios[k].summary.profit);
  std::sort(profits.begin(), profits.end());
  out.profit_p10 = percentile_sorted(profits.data(), profits.size(), 0.1);
  out.profit_mean = mean_sorted(profits.data(), profits.size());
  out.profit_p90 = percentile_sorted(profits.data(), profits.size(), 0.9);

  out.multiplier_p10.assign(n, kNaN);
  out.multiplier_mean.assign(n, kNaN);
  out.multiplier_p90.assign(n, kNaN);
  if (!used.empty()) {
    const auto rows = static_cast<int64_t>(n);
    const int threads = thread_option > 0 ? thread_option : omp_get_max_threads();
    // one buffer per thread, allocated here: nothing may throw inside the parallel region
    std::vector<std::vector<double>> buffers(static_cast<size_t>(threads), std::vector<double>(used.size()));
#pragma omp parallel num_threads(threads)
    {
      std::vector<double>& v = buffers[static_cast<size_t>(omp_get_thread_num())];
#pragma omp for schedule(static)
      for (int64_t i = 0; i < rows; ++i) {
        for (size_t k = 0; k < used.size(); ++k) v[k] = out.multipliers[used[k]][static_cast<size_t>(i)];
        std::sort(v.begin(), v.end());
        out.multiplier_p10[static_cast<size_t>(i)] = percentile_sorted(v.data(), v.size(), 0.1);
        out.multiplier_mean[static_cast<size_t>(i)] = mean_sorted(v.data(), v.size());
        out.multiplier_p90[static_cast<size_t>(i)] = percentile_sorted(v.data(), v.size(), 0.9);
      }
    }
  }
}

std::vector<std::string> scenario_output_names() { return {"scenario_policies.csv", "scenarios.csv", "result.json"}; }

}  // namespace rateopt
