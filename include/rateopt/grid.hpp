// Price-grid mode: one scored candidate price chosen per policy under portfolio constraints.
//
// Input is a long table, one row per (policy, candidate): the policy's premium at that candidate and
// the probability the quote is taken there (from any demand model the user scored), with optional
// costs and any numeric columns to constrain.  The choice maximises expected profit
//   Σ_i w_i·(p_ij − c_ij − e_ij)·x_ij
// subject to constraints that are sums (or ratios of sums) over the chosen rows.  Solved by the
// Lagrangian dual over the few constraints (exact cutting planes, a certified bound), a primal answer
// that meets every constraint, and with `exact` a proven optimum (the multiple-choice knapsack for one
// constraint, CBC's branch and bound for more).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/column_view.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// Numbers of the grid: either owned (read from CSV, built in code) or a view of memory the caller
/// keeps alive for as long as the grid is used (the Python package's numpy arrays, read without a
/// copy).  Reads as its ColumnView (operator[], data(), size(), empty(), begin/end).  The writers
/// (push_back, resize, assign, clear, own) act on owned storage and copy a view into it first, so a
/// grid built from views is copied only where something is changed.
template <class T>
class GridArray : public ColumnView<T> {
 public:
  GridArray() = default;
  GridArray(std::vector<T> values) : owned_(std::move(values)) { point(); }  // NOLINT: implicit, as a vector
  GridArray(std::initializer_list<T> values) : owned_(values) { point(); }
  GridArray(const GridArray& o) : ColumnView<T>(o), owned_(o.owned_), viewing_(o.viewing_) {
    if (!viewing_) point();
  }
  GridArray(GridArray&& o) noexcept : ColumnView<T>(o), owned_(std::move(o.owned_)), viewing_(o.viewing_) {
    if (!viewing_) point();
    o.clear();
  }
  GridArray& operator=(GridArray o) noexcept {
    owned_.swap(o.owned_);
    viewing_ = o.viewing_;
    if (viewing_) {
      ColumnView<T>::operator=(o);
    } else {
      point();
    }
    return *this;
  }
  /// A view of `size` values at `data` (not copied; the caller keeps them alive).
  static GridArray view(const T* data, size_t size) {
    GridArray a;
    a.ColumnView<T>::operator=(ColumnView<T>(data, size));
    a.viewing_ = true;
    return a;
  }

  /// Whether the values are someone else's memory.
  bool is_view() const { return viewing_; }

  /// The owned storage, the view's values copied into it first.
  std::vector<T>& own() {
    if (viewing_) {
      owned_.assign(this->begin(), this->end());
      viewing_ = false;
    }
    return owned_;
  }
  void push_back(const T& v) {
    edit([&](std::vector<T>& o) { o.push_back(v); });
  }
  void resize(size_t n) {
    edit([&](std::vector<T>& o) { o.resize(n); });
  }
  void reserve(size_t n) {
    edit([&](std::vector<T>& o) { o.reserve(n); });
  }
  void assign(size_t n, const T& v) {
    edit([&](std::vector<T>& o) { o.assign(n, v); });
  }
  void clear() {
    owned_.clear();
    viewing_ = false;
    point();
  }

 private:
  template <class F>
  void edit(F&& change) {
    change(own());
    point();
  }
  void point() { ColumnView<T>::operator=(ColumnView<T>(owned_)); }

  std::vector<T> owned_;
  bool viewing_ = false;
};

/// A numeric column of the grid held per policy when it is the same on every row of each policy,
/// else per candidate row.  Absent columns hold nothing and read as 0.
struct GridColumn {
  GridArray<double> values;
  bool per_row = false;
  bool present() const { return !values.empty(); }
  double at(size_t policy, size_t row) const { return values.empty() ? 0.0 : values[per_row ? row : policy]; }
};

/// The grid in structure-of-arrays form: candidate rows flat, policy i owning rows
/// [offset[i], offset[i+1]).  Only what a candidate needs is kept: premium and demand (16 bytes), the
/// loss cost, expense and constrained columns per row only where they vary within a policy, and a
/// step index only once caps removed candidates (bytes_per_candidate()).
struct GridBook {
  std::string source;  ///< file path
  std::string sha256;  ///< of the bytes read (of a GridChunkReader's chunks, only the last has it)

  std::vector<std::string> policy_id;
  std::vector<uint64_t> offset;  ///< size N + 1
  GridArray<double> premium;     ///< per row, > 0
  GridArray<double> demand;      ///< per row, in [0, 1]
  /// Step of each row when caps removed candidates (empty: row r of policy i is step r − offset[i]).
  std::vector<int32_t> step;
  GridColumn loss_cost;  ///< expected_loss_cost ≥ 0 (absent: 0)
  GridColumn expense;    ///< expense ≥ 0 (absent: 0)
  std::vector<std::string> extra_names;
  std::vector<GridColumn> extra;  ///< the numeric columns constraints name, in extra_names order

  GridArray<double> weight;      ///< per policy, > 0 (default 1)
  std::vector<uint8_t> renewal;  ///< per policy (default 0)
  std::vector<int32_t> group;    ///< per policy, index into group_names (default 0 = "all")
  std::vector<std::string> group_names;
  std::vector<int32_t> baseline;     ///< per policy: step of its baseline row, −1 when none (empty: no column)
  GridArray<double> enbp;            ///< per policy, NaN when not given (empty: no column)
  std::vector<uint64_t> first_line;  ///< per policy: CSV line of its first row, for messages

  std::vector<std::string> warnings;  ///< e.g. ignored columns

  /// Set on a book read pruned (read_and_solve_grid): the caps are applied, and each policy holds only its
  /// candidates able to win while the multipliers λ (profit per unit of each constraint row, as
  /// GridResult::multipliers) stay in [lower, upper], plus its baseline row.  The solve keeps λ there.
  struct Pruning {
    std::vector<double> lower, upper;
    int64_t rows_read = 0, removed_by_caps = 0, bound_conflicts = 0;
    std::vector<uint32_t> capped_rows;  ///< per policy: candidates the caps kept
  };
  std::optional<Pruning> pruning;

  size_t policies() const { return policy_id.size(); }
  size_t candidates() const { return premium.size(); }
  size_t rows_of(size_t i) const { return static_cast<size_t>(offset[i + 1] - offset[i]); }
  /// Candidates of policy i the caps kept (a pruned book holds fewer rows).
  size_t capped_rows_of(size_t i) const { return pruning ? pruning->capped_rows[i] : rows_of(i); }
  int32_t step_of(size_t i, size_t row) const {
    return step.empty() ? static_cast<int32_t>(row - offset[i]) : step[row];
  }
  /// The baseline's row of policy i, or npos.
  size_t baseline_row(size_t i) const;
  /// Bytes held per candidate row (columns stored per row, plus the step index when present).
  size_t bytes_per_candidate() const;
  /// Bytes held per policy (offsets, weights, flags, …; ids not counted).
  size_t bytes_per_policy() const;
  /// "file:line" of policy i's first row.
  std::string where(size_t i) const;
};

/// Reads the long CSV.  Required columns: policy_id, step, premium, demand.  Optional per row:
/// expected_loss_cost, expense and the `extra_columns` asked for (numeric, the ones constraints
/// name; absent ones are left out of extra_names).  Optional per policy (repeated on each row or given on
/// some rows and left empty on the others; given values must agree): weight, renewal_flag, group,
/// enbp, and baseline (1 on the row of today's price, at most one per policy).  A per-row column left
/// empty on some row takes the value its policy's other rows agree on.
/// Rules (InputError "file:line: rule", exit 2): a policy's rows together with steps 0, 1, …, K−1 in
/// order (a missing step 0 is K = 0; a repeated step is a duplicate (policy, step)); premium > 0;
/// demand in [0,1]; costs ≥ 0; weight > 0; every number finite; per-policy columns that agree.
GridBook read_grid_csv(const std::string& path, const std::vector<std::string>& extra_columns = {});
/// The same over CSV text in memory; `name` stands for the file in messages ("name:line") and in source.
GridBook read_grid_csv_text(const std::string& name, std::string text,
                            const std::vector<std::string>& extra_columns = {});

/// A grid held in memory by the caller (the Python package's arrays), R candidate rows of N policies.
/// A column marked "per row or per policy" has R values (per row; a per-policy one then agrees on every
/// row of its policy) or N values (once per policy).  The float64 columns are viewed, not copied: the
/// caller keeps them alive while the grid is used.
struct GridArrays {
  std::string source = "data";                     ///< names the input in messages about policies
  std::vector<uint64_t> offset;                    ///< N + 1: policy i owns rows [offset[i], offset[i+1])
  std::vector<std::string> policy_id;              ///< N (empty: "1", "2", …)
  ColumnView<int64_t> step;                        ///< per row, optional: 0, 1, …, K−1 within each policy
  ColumnView<double> premium, demand;              ///< per row
  ColumnView<double> expected_loss_cost, expense;  ///< per row or per policy, optional
  std::vector<std::string> extra_names;            ///< the columns constraints name …
  std::vector<ColumnView<double>> extra;           ///< … per row or per policy
  ColumnView<double> weight;                       ///< per row or per policy, optional (NaN per row: not given)
  ColumnView<double> enbp;                         ///< per row or per policy, optional (NaN: none)
  ColumnView<uint8_t> renewal_flag;                ///< per row or per policy, optional
  ColumnView<int32_t> group;                       ///< per row or per policy, optional: index into group_names
  std::vector<std::string> group_names;
  ColumnView<uint8_t> baseline;  ///< per row, optional: 1 on today's price, at most one per policy
};

/// The grid of the arrays, checked by the rules read_grid_csv applies; an InputError names the
/// column and row index ("demand[17] = 1.3 must be in [0,1]").  Per-row columns the same on every row
/// of each policy are kept once per policy (as the CSV reader keeps them); the others are views.
GridBook grid_from_arrays(const GridArrays& arrays);

/// The same file read a chunk of whole policies at a time, each chunk a GridBook checked as read_grid_csv
/// checks the whole (the file's line numbers; the header's warnings on the first chunk; per-row columns kept
/// per row or per policy chunk by chunk).  The file's bytes are held whole, its parsed rows one chunk at a time.
class GridChunkReader {
 public:
  GridChunkReader(const std::string& path, const std::vector<std::string>& extra_columns, size_t policies);
  /// Only the rows in bytes [begin, end) of the file (whole policies), the first on line `first_line`;
  /// the chunks then carry no SHA-256.
  GridChunkReader(const std::string& path, const std::vector<std::string>& extra_columns, size_t policies,
                  uint64_t begin, uint64_t end, uint64_t first_line);
  ~GridChunkReader();
  GridChunkReader(const GridChunkReader&) = delete;
  GridChunkReader& operator=(const GridChunkReader&) = delete;
  /// The next chunk; false at the end.  InputError as read_grid_csv.
  bool next(GridBook& chunk);
  /// Once next() returned false: the line after the last one read.
  uint64_t end_line() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t policies_;
};

/// One constraint of the grid solve.
enum class GridConstraintKind {
  lr_max,
  lr_min,
  gwp_min,
  gwp_max,
  retention_min,
  sum_min,
  sum_max,
  ratio_max,
  ratio_min
};
template <>
struct EnumNames<GridConstraintKind> {
  static constexpr std::array<const char*, 9> names{"lr_max",  "lr_min",  "gwp_min",   "gwp_max",  "retention_min",
                                                    "sum_min", "sum_max", "ratio_max", "ratio_min"};
};

/// How `exact` proves the optimum: the multiple-choice knapsack (at most one constraint, any grid size),
/// CBC's branch and bound (any constraints, grids up to exact_max_candidates), or auto: the knapsack
/// where it applies, else CBC.
enum class GridExactMethod { automatic, knapsack, cbc };
template <>
struct EnumNames<GridExactMethod> {
  static constexpr std::array<const char*, 3> names{"auto", "knapsack", "cbc"};
};

/// What `rateopt grid` solves with.  sum_min/sum_max entries read "column=value" or "column=value%"
/// (percent of the sum at the baseline rows); ratio entries "numerator/denominator=value".  A column
/// is a numeric column of the grid (summed as w·value over the chosen rows: it holds the expected
/// value at that candidate, nothing is multiplied by demand) or, when the grid has no column of that
/// name, one of the quantities gwp, claims, profit, volume (Σ w·demand), retained (renewals' Σ w·demand).
struct GridOptions {
  std::optional<double> lr_max, lr_min, gwp_min, gwp_max, retention_min;
  std::vector<std::string> sum_min, sum_max, ratio_max, ratio_min;
  std::optional<double> max_rate_change;  ///< δ: premium within baseline·[1−δ, 1+δ]
  std::optional<double> enbp_buffer;      ///< renewals with an enbp: premium ≤ enbp·(1−buffer) (0 when unset)
  bool exact = false;                     ///< prove the optimum over every candidate
  GridExactMethod exact_method = GridExactMethod::automatic;
  int64_t exact_max_candidates = 200000;  ///< CBC's `exact` refused above this many candidates
  Device device = Device::automatic;
  double tolerance = 1e-9;      ///< relative tolerance of every constraint at the answer
  int max_iterations = 500;     ///< cutting-plane iterations (passes) at most
  int64_t dual_sample = 20000;  ///< policies sampled to start the dual on grids of ≥ 4× as many (0: off)
  int threads = 0;

  /// The table's bounds and the rules between options (lr_min < lr_max, entries well formed, …).
  void validate() const;
};
template <class F>
void visit_options(GridOptions& o, F&& f) {
  f(option_rows::lr_max, o.lr_max);
  f(option_rows::lr_min, o.lr_min);
  f(option_rows::gwp_min, o.gwp_min);
  f(option_rows::gwp_max, o.gwp_max);
  f(option_rows::retention_min, o.retention_min);
  f(OptionRow{"sum_min", "column=v or column=v% (of the baseline's sum): Σ w·column over the chosen rows ≥ v"},
    o.sum_min);
  f(OptionRow{"sum_max", "column=v or column=v%: Σ w·column over the chosen rows ≤ v"}, o.sum_max);
  f(OptionRow{"ratio_max", "num/den=v: Σ w·num / Σ w·den ≤ v"}, o.ratio_max);
  f(OptionRow{"ratio_min", "num/den=v: Σ w·num / Σ w·den ≥ v"}, o.ratio_min);
  f(OptionRow{"max_rate_change", "keep candidates within this relative change of the baseline premium",
              in_range(0, 1, true, true)},
    o.max_rate_change);
  f(OptionRow{"enbp_buffer", "renewals keep candidates with premium ≤ enbp·(1−buffer)", in_range(0, 1, false, true),
              "0"},
    o.enbp_buffer);
  f(OptionRow{"exact", "prove the optimum over every candidate (one constraint: any size; more: small grids)"},
    o.exact);
  f(OptionRow{"exact_method",
              "how exact proves it: knapsack (at most one constraint), cbc (branch and bound), auto: knapsack "
              "where it applies"},
    o.exact_method);
  f(OptionRow{"exact_max_candidates", "largest grid exact hands to cbc, candidates", at_least(1)},
    o.exact_max_candidates);
  f(option_rows::device, o.device);
  f(OptionRow{"tolerance", "relative constraint tolerance at the answer", in_range(0, 1e-3, true, false)}, o.tolerance);
  f(OptionRow{"max_iterations", "cutting-plane iterations at most", at_least(1)}, o.max_iterations);
  f(OptionRow{"dual_sample",
              "policies sampled to find the multipliers first on grids of at least 4× as many; the solve then holds "
              "(reading a CSV) or reads (later passes) only the candidates able to win near them (0: every "
              "candidate, every pass)",
              at_least(0)},
    o.dual_sample);
  f(option_rows::threads(), o.threads);
}

/// One constraint at the answer, in its own units (LR, retention, money, the column's units, a ratio).
struct GridConstraintReport {
  GridConstraintKind kind = GridConstraintKind::lr_max;
  std::string name;  ///< "lr_max", "sum_min[volume]", "ratio_max[claims/gwp]"
  double value = 0, limit = 0, slack = 0, relative_violation = 0;
  bool binding = false;
  double shadow_price = 0;  ///< profit per unit relaxation (per percentage point for LR and retention)
  std::string shadow_price_unit;
  /// The definition: quantity = S[numerator_term] / (S[denominator_term] or denominator_constant), over the
  /// term sums S (math/grid_math.hpp), at most or at least the limit.
  int numerator_term = 0, denominator_term = -1;
  double denominator_constant = 1;
  bool at_most = true;
};

/// A proof that no choice, not even a fractional mix of candidates, meets the constraints: weights
/// w_k ≥ 0 on the constraint rows, each written "row_k(S) ≤ rhs_k" over the term sums S (lr_max:
/// claims − lr_max·gwp ≤ 0; gwp_min: −gwp ≤ −gwp_min; …), such that even the smallest value of
/// Σ_k w_k·row_k over all choices exceeds Σ_k w_k·rhs_k.
struct GridInfeasibility {
  std::vector<std::string> constraints;  ///< names, with their weight below
  std::vector<double> weights;           ///< w_k, per unit of row k
  double combined_min = 0;               ///< min over choices of Σ_k w_k·row_k
  double combined_limit = 0;             ///< Σ_k w_k·rhs_k (< combined_min)
};

struct GridResult {
  SolveStatus status = SolveStatus::numerical_failure;
  bool converged = false;
  std::string message;

  std::vector<int32_t> choice;  ///< per policy: the chosen row (index into the grid's rows), −1 none
  std::vector<uint8_t> split;   ///< per policy: 1 where the relaxation mixed two or more candidates

  double expected_profit = 0, expected_gwp = 0, expected_claims = 0, expected_loss_ratio = 0;
  double expected_retention = std::numeric_limits<double>::quiet_NaN();  ///< NaN without renewals
  double expected_volume = 0;
  int64_t n_policies = 0, n_candidates = 0, n_renewals = 0;
  int64_t candidates_removed = 0;  ///< by max_rate_change and the ENBP cap
  int64_t n_bound_conflicts = 0;   ///< renewals whose ENBP cap left no candidate within the rate-change cap

  std::vector<GridConstraintReport> constraints;
  std::vector<double> multipliers;       ///< λ per constraint row, profit per unit of the row (money/money)
  std::vector<double> term_prices;       ///< ω at those multipliers (math::grid_term layout); empty when infeasible
  std::optional<double> dual_bound;      ///< the LP-relaxation value (or branch and bound's bound)
  std::optional<double> optimality_gap;  ///< (bound − profit)/|bound|
  std::optional<double> exact_bound;     ///< exact's bound over every candidate (the knapsack: its optimum)
  std::optional<double> lp_value;        ///< the relaxation's value: the dual bound the cuts closed on
  std::optional<GridInfeasibility> infeasibility;
  int n_split = 0;  ///< policies the relaxation split

  std::string method;           ///< "dual" (cutting planes + rounding) or "exact" (proven over every candidate)
  std::string exact_method;     ///< with method "exact": "knapsack" or "cbc"
  int64_t knapsack_states = 0;  ///< states the knapsack's Pareto lists held in all
  std::string backend_requested, backend_used, device_name, fallback_reason;
  int iterations = 0;
  int64_t passes = 0;
  int64_t windowed_passes = 0;  ///< passes reading only the candidates able to win near the multipliers
  double window_rows = 0;       ///< candidates per policy those passes read, on average
  int repair_policies = 0;      ///< policies the integer repair re-chose (0: rounding sufficed)
  int tightenings = 0;          ///< re-solves of the relaxation with its limits lowered by what rounding can swing
  int exchange_moves = 0;       ///< single-policy moves that repaired the rounding
  std::vector<double> multiplier_units;  ///< per constraint: λ per unit of the solver's normalised multiplier
  bool reached_box = false;              ///< a pruned book's solve ended on a side of its box
  int pruned_reads = 0;                  ///< read_and_solve_grid: pruned reads of the file (0: read whole)
  double seconds_total = 0, seconds_dual = 0, seconds_primal = 0;
  double seconds_read = 0;  ///< read_and_solve_grid: the time before the final solve (reading, the sample)
  size_t bytes_per_candidate = 0;
  std::vector<std::string> warnings;
};

/// Applies the options' caps to `grid` (removing candidates, recording steps) and solves.  Throws
/// InputError for options the grid cannot support (a baseline missing where a cap or a percent limit
/// needs it, an enbp missing where the buffer needs it, a renewal left without a candidate).
GridResult solve_grid(GridBook& grid, const GridOptions& options);

/// read_grid_csv then solve_grid, holding only the candidates that can matter.  On grids of at least
/// 4 × dual_sample policies (without exact) policies sampled at evenly spaced places in the file give the
/// multipliers a box first; the read then keeps per policy only the candidates able to win inside the box
/// (and its baseline row), and the solve stays in the box.  The file is read again with a wider box when
/// the answer reaches a side, and whole when the sample cannot decide.  `grid` receives the book solved.
GridResult read_and_solve_grid(const std::string& path, const GridOptions& options, GridBook& grid);

/// The columns the options' sum and ratio constraints name (to read with read_grid_csv).
std::vector<std::string> grid_constraint_columns(const GridOptions& options);

}  // namespace rateopt

namespace rateopt {

/// The columns of policies.csv, per policy (NaN, or step −1, where no candidate was chosen).
struct GridPolicyColumns {
  std::vector<int32_t> step;
  std::vector<double> premium, demand, expected_loss_cost;
  std::vector<double> contribution;     ///< w·(p − c − e)·x
  std::vector<double> rate_change_pct;  ///< against the baseline premium; NaN without one
  std::vector<int64_t> candidates;      ///< kept by the caps
  std::vector<uint8_t> split;           ///< 1 where the relaxation mixed candidates
};
GridPolicyColumns grid_policy_columns(const GridBook& grid, const GridResult& result);

/// policies.csv: policy_id, step, premium, demand, expected_loss_cost, contribution (w·(p − c − e)·x),
/// rate_change_pct (against the baseline premium; empty without one), candidates (kept by the caps),
/// split (1 where the relaxation mixed candidates).
std::string grid_policies_csv(const GridBook& grid, const GridResult& result);
/// policies.csv's columns up to candidates, and one policy's row of them (no line end): row is the chosen row,
/// npos for none (the id and the candidate count only); candidates, how many of its rows the caps kept.
inline constexpr const char* kGridChoiceHeader =
    "policy_id,step,premium,demand,expected_loss_cost,contribution,rate_change_pct,candidates";
void append_grid_choice(std::string& out, const GridBook& grid, size_t i, size_t row, size_t candidates);
/// result.json: status, portfolio, constraint evaluation, shadow prices, bound and gap, any
/// infeasibility proof, the backend and the audit (input SHA-256, every option, version, timestamp).
std::string grid_result_json(const GridBook& grid, const GridOptions& options, const GridResult& result);
/// The files write_grid_outputs writes: result.json, policies.csv and (a feasible solve) pricing_rule.json.
const std::vector<std::string>& grid_output_files();
/// Writes grid_output_files() into out_dir atomically, as `rateopt grid --out-dir` does (refusing to
/// replace existing ones without force); returns the text of result.json.
std::string write_grid_outputs(const std::string& out_dir, const GridBook& grid, const GridOptions& options,
                               const GridResult& result, bool force = false);
/// The same with the impact report (impact.csv, impact.svg) by `segments` (rateopt/impact.hpp), all or nothing.
struct ImpactSegment;
std::string write_grid_outputs(const std::string& out_dir, const GridBook& grid, const GridOptions& options,
                               const GridResult& result, bool force, const std::vector<ImpactSegment>& segments);
/// A few lines for the terminal.
std::string grid_report(const GridResult& result);

}  // namespace rateopt
