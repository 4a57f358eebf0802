// The policy-mix integer programme (SPEC §4.1): the quotes reader, the exact CBC solve with its
// deterministic tie-breaking, and the scenario grid.
#include <coin/Cbc_C_Interface.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/csv_reader.hpp"
#include "rateopt/cover.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

std::string plain_number(double x) {
  char buffer[400];  // the longest fixed-notation double (−1.8e308) fits
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed);
  return r.ec == std::errc() ? std::string(buffer, r.ptr) : std::string("nan");
}

namespace {

constexpr double kMaxCount = 1e9;  // policies of one quote (CoverResult); safe in int64 and CBC

// ---------------------------------------------------------------- the quotes reader

enum class QuoteColumn { policy_id, insurer, term, coverage, yearly_premium, ignored };
constexpr const char* kQuoteColumnNames[] = {"policy_id", "insurer", "term", "coverage", "yearly_premium"};
constexpr size_t kQuoteColumns = 5;

// A quote's number: > 0, then within [lo, hi] (the range CBC answers exactly; lo = 0 means open).
double quote_number(const CsvReader& csv, size_t field, double lo, double hi) {
  const double value = csv.number(field);
  if (!(value > 0)) csv.fail_field(field, "must be > 0");
  if (value < lo || value > hi)
    csv.fail_field(field, "must be " + describe(in_range(lo, hi, lo == 0)) + ", the range cover solves exactly");
  return value;
}

LifeQuote read_quote(const CsvReader& csv, const std::vector<QuoteColumn>& columns) {
  LifeQuote q;
  q.line = csv.line();
  for (size_t j = 0; j < columns.size(); ++j) {
    switch (columns[j]) {
      case QuoteColumn::policy_id:
        q.policy_id = std::string(csv.raw(j));
        if (q.policy_id.empty()) csv.fail("policy_id is empty");
        break;
      case QuoteColumn::insurer:
        q.insurer = std::string(csv.raw(j));
        break;
      case QuoteColumn::term:
        q.term = quote_number(csv, j, 0, cover_limits::max_term);
        break;
      case QuoteColumn::coverage:
        q.coverage = quote_number(csv, j, cover_limits::min_coverage, cover_limits::max_coverage);
        break;
      case QuoteColumn::yearly_premium:
        q.yearly_premium = quote_number(csv, j, cover_limits::min_premium, cover_limits::max_premium);
        break;
      case QuoteColumn::ignored:
        break;
    }
  }
  return q;
}

// Quotes built in code meet the reader's ranges too: outside them CBC is not exact (or aborts).
void check_quote_ranges(const LifeQuote& q) {
  const auto check = [&](const char* name, double value, double lo, double hi) {
    if (!(value > 0 && value >= lo && value <= hi))
      throw InputError("quote " + quoted_text(q.policy_id) + ": " + name + " = " + plain_number(value) + " must be " +
                       describe(in_range(lo, hi, lo == 0)) + ", the range cover solves exactly");
  };
  check("term", q.term, 0, cover_limits::max_term);
  check("coverage", q.coverage, cover_limits::min_coverage, cover_limits::max_coverage);
  check("yearly_premium", q.yearly_premium, cover_limits::min_premium, cover_limits::max_premium);
}

// ---------------------------------------------------------------- CBC

constexpr double kEqualPremium = 1e-9;     // relative: premiums this close count as equal (tie-breaking)
constexpr double kCheckTolerance = 1e-12;  // relative slack of the exact re-check (decimal data in binary)
constexpr double kThousand = 1000;  // coverage rows in thousands of dollars: a $1 shortfall is far above CBC's 1e-7

struct CbcModelDeleter {
  void operator()(Cbc_Model* model) const { Cbc_deleteModel(model); }
};
using CbcModelPtr = std::unique_ptr<Cbc_Model, CbcModelDeleter>;

/// The most policies of quote q a minimum-premium mix can hold: with more than ceil(goal/coverage),
/// dropping one keeps the goal (the rest of q alone covers it; an average term is kept by dropping a
/// short policy, or by keeping q alone when q is long) at a lower premium and fewer policies.  One
/// more for rounding.  Bounding every count keeps CBC's boxes finite.
double useful_count(const LifeQuote& q, const CoverGoal& goal) { return std::ceil(goal.min_coverage / q.coverage) + 1; }

/// One CBC run: the goal's rows, the objective of this stage, and the rows the later stages add.
struct Stage {
  std::vector<double> objective;        ///< per quote; minimised
  std::optional<double> premium_cap;    ///< Σ premium·n ≤ this
  std::optional<int64_t> policy_total;  ///< Σ n = this
  /// Ask for a mix lexicographically larger than this one: binaries z_k (Σ z = 1) pick the first
  /// position k where it is larger (n_k ≥ x_k + 1) with n_j = x_j before it; the objective Σ k·z_k
  /// prefers the earliest such position.  Needs policy_total (its bound M keeps the rows inactive).
  std::optional<std::vector<int64_t>> lex_above;
};

/// Solve one stage; false when CBC proves it infeasible.  Throws SolverError on anything else.
/// `solution` gets the n_k only.
bool run_cbc(const std::vector<LifeQuote>& quotes, const CoverGoal& goal, const Stage& stage,
             std::vector<double>& solution, bool with_preprocessing = false) {
  CbcModelPtr model(Cbc_newModel());
  if (!model) throw SolverError("cover: CBC could not create a model");
  Cbc_Model* m = model.get();
  Cbc_setLogLevel(m, 0);
  Cbc_setParameter(m, "log", "0");   // CbcMain's banner and statistics
  Cbc_setParameter(m, "slog", "0");  // the LP solver's
  // Plain branch and bound: on a few dozen columns presolve, preprocessing, cuts and heuristics cost
  // more than they save (measured: 9 ms → 2 ms a solve on the bundled quotes); exactness is unchanged.
  for (const char* off : {"presolve", "preprocess", "cuts", "heuristics"}) Cbc_setParameter(m, off, "off");
  if (with_preprocessing)
    for (const char* on : {"presolve", "preprocess"}) Cbc_setParameter(m, on, "on");

  const size_t n = quotes.size();
  const int width = static_cast<int>(n);
  const double count_upper =
      std::min(kMaxCount, goal.max_policies ? static_cast<double>(*goal.max_policies) : kMaxCount);
  std::vector<double> upper(n);
  for (size_t k = 0; k < n; ++k) {
    // Under a premium cap a quote dearer than the cap cannot be bought at all: fixing it at 0 keeps
    // its coefficient (up to 1e14 times the others) out of the cap row.
    const bool too_dear = stage.premium_cap && quotes[k].yearly_premium > *stage.premium_cap;
    upper[k] = too_dear ? 0.0 : std::min(count_upper, useful_count(quotes[k], goal));
    Cbc_addCol(m, ("n" + std::to_string(k)).c_str(), 0, upper[k], stage.objective[k], 1, 0, nullptr, nullptr);
  }
  if (stage.lex_above)
    for (size_t k = 0; k < n; ++k)
      Cbc_addCol(m, ("z" + std::to_string(k)).c_str(), 0, 1, static_cast<double>(k), 1, 0, nullptr, nullptr);

  std::vector<int> index(2 * n);
  for (size_t k = 0; k < 2 * n; ++k) index[k] = static_cast<int>(k);
  std::vector<double> row(2 * n);
  // min(coverage, goal): the same set of integer mixes (one policy of coverage ≥ the goal meets it
  // either way), and no coefficient far above the right-hand side, which would let CBC meet the row
  // with a count inside its integrality tolerance of 0.
  for (size_t k = 0; k < n; ++k) row[k] = std::min(quotes[k].coverage, goal.min_coverage) / kThousand;
  Cbc_addRow(m, "coverage", width, index.data(), row.data(), 'G', goal.min_coverage / kThousand);
  // The term row Σ a_k·n_k ≥ 0, a_k = coverage·(term − goal): within the column bounds the short
  // quotes can take away at most `shortfall`; a long quote's a_k above that meets the row with one
  // policy either way, so it is capped there, which keeps the row's coefficients within a few orders.
  double shortfall = 0;
  for (size_t k = 0; k < n; ++k) {
    row[k] = quotes[k].coverage / kThousand * (quotes[k].term - goal.min_avg_term);
    if (row[k] < 0) shortfall -= row[k] * upper[k];
  }
  const double long_cap = std::max(shortfall * (1 + 1e-6), 1.0);  // > shortfall despite rounding
  for (size_t k = 0; k < n; ++k) row[k] = std::min(row[k], long_cap);
  Cbc_addRow(m, "avg_term", width, index.data(), row.data(), 'G', 0.0);
  const std::vector<double> ones(n, 1.0);
  if (goal.max_policies)
    Cbc_addRow(m, "max_policies", width, index.data(), ones.data(), 'L', static_cast<double>(*goal.max_policies));
  if (stage.premium_cap) {
    for (size_t k = 0; k < n; ++k) row[k] = std::min(quotes[k].yearly_premium, *stage.premium_cap);
    Cbc_addRow(m, "premium_cap", width, index.data(), row.data(), 'L', *stage.premium_cap);
  }
  if (stage.policy_total)
    Cbc_addRow(m, "policy_total", width, index.data(), ones.data(), 'E', static_cast<double>(*stage.policy_total));
  if (stage.lex_above) {
    const std::vector<int64_t>& x = *stage.lex_above;
    const double big = static_cast<double>(stage.policy_total.value() + 1);  // > |n_j − x_j| for any mix of the stage
    Cbc_addRow(m, "one_position", width, index.data() + n, ones.data(), 'E', 1.0);
    for (size_t k = 0; k < n; ++k) {
      const auto xk = static_cast<double>(x[k]);
      int pair[2] = {static_cast<int>(k), static_cast<int>(n + k)};
      double larger[2] = {1.0, -big};  // z_k = 1 → n_k ≥ x_k + 1
      Cbc_addRow(m, ("larger" + std::to_string(k)).c_str(), 2, pair, larger, 'G', xk + 1 - big);
      // z_j = 1 for some j > k → n_k = x_k: n_k ± big·Σ_{j>k} z_j within x_k ± big
      const size_t later = n - k - 1;
      if (later == 0) continue;
      std::vector<int> cols = {static_cast<int>(k)};
      for (size_t j = k + 1; j < n; ++j) cols.push_back(static_cast<int>(n + j));
      std::vector<double> up(later + 1, big), down(later + 1, -big);
      up[0] = down[0] = 1.0;
      Cbc_addRow(m, ("same_up" + std::to_string(k)).c_str(), static_cast<int>(later + 1), cols.data(), up.data(), 'L',
                 xk + big);
      Cbc_addRow(m, ("same_down" + std::to_string(k)).c_str(), static_cast<int>(later + 1), cols.data(), down.data(),
                 'G', xk - big);
    }
  }
  Cbc_setObjSense(m, 1);

  Cbc_solve(m);
  if (Cbc_isProvenInfeasible(m)) return false;
  if (!Cbc_isProvenOptimal(m))
    throw SolverError("cover: CBC neither proved optimality nor infeasibility (status " +
                      std::to_string(Cbc_status(m)) + ", secondary " + std::to_string(Cbc_secondaryStatus(m)) + ")");
  const double* x = Cbc_getColSolution(m);
  solution.assign(x, x + n);
  // Seen with coefficients spanning many orders (tests/test_cover_ranges.cpp): plain branch and bound
  // reports "optimal" with the integer mix's objective but hands back the LP relaxation's fractional
  // counts.  Solved again with presolve and preprocessing, CBC returns the integer mix.
  const bool whole =
      std::all_of(solution.begin(), solution.end(), [](double v) { return std::fabs(v - std::round(v)) <= 1e-6; });
  if (!whole && !with_preprocessing) return run_cbc(quotes, goal, stage, solution, true);
  return true;
}

// CBC's "infeasible" must not be an answer when a mix plainly exists: enough of one quote whose term
// reaches min_avg_term (within max_policies and 1e9) disproves it, and that is a solver failure.
// Without max_policies such a quote is the only way a mix can exist, unless it needs more than 1e9.
void confirm_infeasible(const std::vector<LifeQuote>& quotes, const CoverGoal& goal) {
  for (size_t k = 0; k < quotes.size(); ++k) {
    if (quotes[k].term < goal.min_avg_term) continue;
    const double count = std::ceil(goal.min_coverage / quotes[k].coverage);
    std::vector<int64_t> counts(quotes.size(), 0);
    counts[k] = static_cast<int64_t>(std::min(count, kMaxCount));
    if (count <= kMaxCount && evaluate_mix(quotes, counts, goal).feasible)
      throw SolverError("cover: CBC reported no mix, but " + std::to_string(counts[k]) + " of quote " +
                        quoted_text(quotes[k].policy_id) + " meet the goal");
  }
}

std::vector<int64_t> rounded_counts(const std::vector<double>& x) {
  std::vector<int64_t> counts(x.size());
  for (size_t k = 0; k < x.size(); ++k) {
    const double r = std::round(x[k]);
    if (std::fabs(x[k] - r) > 1e-6 || r < 0 || r > kMaxCount)
      throw SolverError("cover: CBC returned a count that is not a whole number in [0, 1e9]: " + plain_number(x[k]));
    counts[k] = static_cast<int64_t>(r);
  }
  return counts;
}

}  // namespace

// ---------------------------------------------------------------- public API

QuoteSet read_quotes_csv(const std::string& path) {
  CsvReader csv(path, "quotes file",
                std::vector<std::string>(std::begin(kQuoteColumnNames), std::end(kQuoteColumnNames)));
  QuoteSet set;
  set.source = path;
  std::vector<QuoteColumn> columns;
  for (const std::string& name : csv.header()) {
    QuoteColumn kind = QuoteColumn::ignored;
    for (size_t c = 0; c < kQuoteColumns; ++c)
      if (name == kQuoteColumnNames[c]) kind = static_cast<QuoteColumn>(c);
    if (kind == QuoteColumn::ignored)
      set.warnings.push_back(ignored_column_warning(path, csv.header_line(), name, columns.size() + 1));
    columns.push_back(kind);
  }
  std::unordered_map<std::string, uint64_t> line_of_id;
  while (csv.next()) {
    LifeQuote q = read_quote(csv, columns);
    const auto inserted = line_of_id.emplace(q.policy_id, q.line);
    if (!inserted.second)
      csv.fail("policy_id " + quoted_text(q.policy_id) + " repeats the one at line " +
               std::to_string(inserted.first->second));
    set.quotes.push_back(std::move(q));
  }
  if (set.quotes.empty()) csv.fail_at(0, "quotes file has a header but no quotes");
  set.sha256 = csv.sha256();
  return set;
}

void validate(const CoverGoal& goal) {
  if (!std::isfinite(goal.min_coverage) || !(goal.min_coverage > 0) ||
      goal.min_coverage > cover_limits::max_goal_coverage)
    throw InputError("option --min-coverage = " + plain_number(goal.min_coverage) + " must be in (0, 1e15]");
  if (!std::isfinite(goal.min_avg_term) || goal.min_avg_term < 0 || goal.min_avg_term > cover_limits::max_term)
    throw InputError("option --min-avg-term = " + plain_number(goal.min_avg_term) + " must be in [0, 200]");
  if (goal.max_policies && *goal.max_policies < 1)
    throw InputError("option --max-policies = " + std::to_string(*goal.max_policies) + " must be ≥ 1");
}

void CoverOptions::validate() const {
  check_option_bounds(*this);
  if (!grid()) {
    if (!min_coverage || !min_avg_term)
      throw InputError(
          "option: give min_coverage and min_avg_term (or the grid_min_avg_term and grid_min_coverage lists)");
    return;
  }
  if (grid_min_avg_term.empty() || grid_min_coverage.empty())
    throw InputError("option: the scenario grid needs both grid_min_avg_term and grid_min_coverage");
  if (min_coverage || min_avg_term)
    throw InputError("option: min_coverage and min_avg_term are for one goal, not with the grid_* lists");
}

CoverResult evaluate_mix(const std::vector<LifeQuote>& quotes, const std::vector<int64_t>& counts,
                         const CoverGoal& goal) {
  CoverResult r;
  r.counts = counts;
  double cover_term = 0, term_surplus = 0, term_scale = 0;
  for (size_t k = 0; k < quotes.size(); ++k) {
    const auto n = static_cast<double>(counts[k]);
    r.policy_count += counts[k];
    r.yearly_premium += quotes[k].yearly_premium * n;
    r.total_coverage += quotes[k].coverage * n;
    cover_term += quotes[k].coverage * quotes[k].term * n;
    term_surplus += quotes[k].coverage * (quotes[k].term - goal.min_avg_term) * n;
    term_scale += quotes[k].coverage * std::max(quotes[k].term, goal.min_avg_term) * n;
  }
  r.monthly_premium = r.yearly_premium / 12;
  r.wa_term = r.total_coverage > 0 ? cover_term / r.total_coverage : 0;
  r.premium_per_thousand = r.total_coverage > 0 ? r.yearly_premium / (r.total_coverage / kThousand) : 0;
  r.feasible = r.total_coverage >= goal.min_coverage * (1 - kCheckTolerance) &&
               term_surplus >= -kCheckTolerance * term_scale &&
               (!goal.max_policies || r.policy_count <= *goal.max_policies);
  return r;
}

CoverResult solve_cover(const std::vector<LifeQuote>& quotes, const CoverGoal& goal) {
  validate(goal);
  if (quotes.empty()) throw InputError("cover: no quotes");
  for (const LifeQuote& q : quotes) check_quote_ranges(q);
  double largest_coverage = 0;
  for (const LifeQuote& q : quotes) largest_coverage = std::max(largest_coverage, q.coverage);
  if (goal.min_coverage / largest_coverage > kMaxCount)
    throw InputError("option --min-coverage = " + plain_number(goal.min_coverage) +
                     " needs more than 1e9 policies of the largest quote");
  const auto start = std::chrono::steady_clock::now();
  const size_t n = quotes.size();
  CoverResult result;
  result.counts.assign(n, 0);

  // Stage 1: the minimum premium.
  Stage stage;
  stage.objective.resize(n);
  for (size_t k = 0; k < n; ++k) stage.objective[k] = quotes[k].yearly_premium;
  std::vector<double> x;
  ++result.cbc_solves;
  if (!run_cbc(quotes, goal, stage, x)) {
    confirm_infeasible(quotes, goal);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  std::vector<int64_t> incumbent = rounded_counts(x);
  const double min_premium = evaluate_mix(quotes, incumbent, goal).yearly_premium;
  const double premium_cap = min_premium + kEqualPremium * std::max(1.0, min_premium);

  // Stage 2: the fewest policies at that premium.
  stage.premium_cap = premium_cap;
  std::fill(stage.objective.begin(), stage.objective.end(), 1.0);
  ++result.cbc_solves;
  if (!run_cbc(quotes, goal, stage, x)) throw SolverError("cover: the minimum-premium mix was lost when re-solving");
  incumbent = rounded_counts(x);
  int64_t total = 0;
  for (int64_t c : incumbent) total += c;
  stage.policy_total = total;

  // Stage 3: climb to the lexicographically largest such mix; each solve finds a larger one or proves
  // there is none.  The set is finite, so this ends; usually after one or two solves.
  std::fill(stage.objective.begin(), stage.objective.end(), 0.0);
  constexpr int kMaxClimbs = 10000;
  for (int climb = 0;; ++climb) {
    if (climb == kMaxClimbs) throw SolverError("cover: tie-breaking did not settle");
    stage.lex_above = incumbent;
    ++result.cbc_solves;
    if (!run_cbc(quotes, goal, stage, x)) break;
    const std::vector<int64_t> larger = rounded_counts(x);
    if (!(larger > incumbent)) throw SolverError("cover: CBC's lexicographically larger mix is not larger");
    incumbent = larger;
  }

  const int solves = result.cbc_solves;
  result = evaluate_mix(quotes, incumbent, goal);
  result.cbc_solves = solves;
  if (!result.feasible || result.yearly_premium > premium_cap)
    throw SolverError("cover: CBC's mix fails the exact re-check of the constraints");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<CoverScenario> solve_cover_grid(const std::vector<LifeQuote>& quotes,
                                            const std::vector<double>& min_avg_terms,
                                            const std::vector<double>& min_coverages,
                                            std::optional<int64_t> max_policies) {
  const auto check_list = [](const char* flag, const std::vector<double>& values) {
    if (values.empty()) throw InputError(std::string("option ") + flag + ": no values given");
    for (size_t i = 0; i < values.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (values[i] == values[j])
          throw InputError(std::string("option ") + flag + ": " + plain_number(values[i]) + " is given twice");
  };
  check_list("--grid-min-avg-term", min_avg_terms);
  check_list("--grid-min-coverage", min_coverages);
  std::vector<CoverScenario> grid;
  for (double term : min_avg_terms) {
    for (double coverage : min_coverages) {
      CoverScenario s;
      s.goal.min_avg_term = term == 0 ? 0.0 : term;  // −0 is 0
      s.goal.min_coverage = coverage;
      s.goal.max_policies = max_policies;
      validate(s.goal);
      s.name = plain_number(s.goal.min_avg_term) + "_" + plain_number(coverage);
      grid.push_back(std::move(s));
    }
  }
  for (CoverScenario& s : grid) s.result = solve_cover(quotes, s.goal);  // every goal checked first
  return grid;
}

}  // namespace rateopt
