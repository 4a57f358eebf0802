// The impact report of a solve: for each level of each segment column (a ratebook's rating factors, any
// `segment_by` column), how the premiums change between today's price and the answer, and what that does
// to retention and the loss ratio.  One implementation serves `optimise`, `grid` and `ratebook`.
//
// Per policy i, before = today's price (prior multiplier; the grid's baseline row), after = the answer:
//   change_i = (premium_after / premium_before − 1)·100 %.
// Per level, with weights w (the policies a row stands for):
//   policies = Σ w;  mean premium before/after = Σ w·p / Σ w;  mean change = Σ w·change / Σ w;
//   p5 … p95 = weighted quantiles of change (inverted CDF: the smallest change whose cumulative weight
//   reaches q·Σ w; numpy's method="inverted_cdf" with these weights);
//   share over +5% (+10%) = Σ w over policies with change > 5 (10) + 1e-9, / Σ w (a policy capped at
//   exactly +5% is not over it);
//   retention = Σ_R w·x / Σ_R w over the level's renewals (NaN without renewals), LR = Σ w·c·x / Σ w·p·x,
//   each at the before and the after prices (demand x and expected loss cost c at that price).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/options.hpp"

namespace rateopt {

/// The impact report's option, shared by optimise, grid and ratebook.
struct ImpactOptions {
  /// Columns to report by: "column" (each distinct label a level; at most kMaxSegmentLevels of them) or
  /// "column:N" (a numeric column cut into N bands of about equal policy count, 2 ≤ N ≤ 100).
  std::vector<std::string> segment_by;
  void validate() const;
};
template <class F>
void visit_options(ImpactOptions& o, F&& f) {
  f(OptionRow{"segment_by",
              "impact report (impact.csv, impact.svg) by these columns, comma-separated: column (each label a level) "
              "or column:N (N bands of equal policy count of a numeric column)"},
    o.segment_by);
}

/// Most levels a labelled segment column may have (more: band it with column:N).
inline constexpr size_t kMaxSegmentLevels = 200;

/// Every policy at today's price and at the answer.  All vectors have one value per policy; a policy with a
/// non-finite premium before or after (a grid policy without a baseline or a choice) is left out.
struct ImpactPolicies {
  std::vector<double> weight;
  std::vector<uint8_t> renewal;
  std::vector<double> premium_before, premium_after;      ///< p
  std::vector<double> demand_before, demand_after;        ///< x at that premium
  std::vector<double> loss_cost_before, loss_cost_after;  ///< c: expected claims if the policy is written there
};

/// A segment column: its name as reported, its levels in report order, and each policy's level.
struct ImpactSegment {
  std::string name;
  std::vector<std::string> levels;
  std::vector<int32_t> level_of;  ///< per policy: index into levels
};

/// One row of impact.csv.
struct ImpactRow {
  std::string segment, level;  ///< "all", "all" for the whole book
  int64_t rows = 0;            ///< policies (rows of the book) at this level
  double policies = 0;         ///< Σ w
  double mean_premium_before = 0, mean_premium_after = 0;
  double mean_change_pct = 0;
  double p5_change_pct = 0, p25_change_pct = 0, median_change_pct = 0, p75_change_pct = 0, p95_change_pct = 0;
  double share_over_5pct = 0, share_over_10pct = 0;
  double retention_before = 0, retention_after = 0;  ///< NaN without renewals at this level
  double loss_ratio_before = 0, loss_ratio_after = 0;
};

/// Per-segment labels: one level per distinct label, numbers in ascending order when every label is a
/// number, else in byte order (or in `order`, those present, when given: a ratebook's level order).
/// InputError naming `argument` when there are more than kMaxSegmentLevels levels (without `order`).
ImpactSegment label_segment(const std::string& name, const std::vector<std::string>& labels,
                            const std::string& argument, const std::vector<std::string>& order = {});
/// `bands` bands of about equal Σ w of a numeric column (a value never split between two bands), labelled
/// "lo..hi" with the band's smallest and largest value, in ascending order.
ImpactSegment banded_segment(const std::string& name, const std::vector<double>& values,
                             const std::vector<double>& weight, int bands);

/// The whole-book row, then each segment's levels in order.
std::vector<ImpactRow> impact_rows(const ImpactPolicies& policies, const std::vector<ImpactSegment>& segments);
/// Policies left out of the report (a non-finite premium before or after).
int64_t impact_left_out(const ImpactPolicies& policies);

/// impact.csv: segment, level, rows, policies, mean_premium_before, mean_premium_after, mean_change_pct,
/// p5/p25/median/p75/p95_change_pct, share_over_5pct, share_over_10pct, retention_before, retention_after,
/// loss_ratio_before, loss_ratio_after (empty where not defined).
std::string impact_csv(const std::vector<ImpactRow>& rows);
/// The rows as a JSON array of objects with impact.csv's keys (null where not defined).
std::string impact_json(const std::vector<ImpactRow>& rows);
/// Segments from label columns held in memory (the Python package): names[k] with labels[k], one per policy;
/// InputError naming `argument`[name] for a length that is not the book's, or too many levels.
std::vector<ImpactSegment> label_segments(const std::vector<std::string>& names,
                                          const std::vector<std::vector<std::string>>& labels, size_t policies,
                                          const std::string& argument);
/// impact.svg: per segment column, the mean change per level as bars with the p5–p95 range (p25–p75 thicker),
/// and retention and loss ratio before and after as paired bars; a self-contained SVG document.
std::string impact_svg(const std::vector<ImpactRow>& rows);
/// The two files' names.
const std::vector<std::string>& impact_output_files();
/// impact.csv and impact.svg's text for the policies and segments.
struct ImpactFiles {
  std::string csv, svg;
};
ImpactFiles impact_files(const ImpactPolicies& policies, const std::vector<ImpactSegment>& segments);
/// A run without an impact report must not leave an earlier run's beside its outputs.
void remove_stale_impact_outputs(const std::string& out_dir);

/// Before a solve: segment_by's entries well formed and their columns in the CSV's header (InputError naming
/// segment_by[k]).
void check_segment_columns(const std::string& path, const std::vector<std::string>& segment_by);
/// The segments `segment_by` asks for, read from a book CSV (labels as written; `weight`, the book's, bands
/// numeric columns).  InputError naming segment_by[k] for a column the file lacks, a malformed entry, too many
/// levels; "file:line" for a value that is not a number in a banded column.
std::vector<ImpactSegment> read_book_segments(const std::string& book_path, const std::vector<std::string>& segment_by,
                                              const std::vector<double>& weight);
/// The warnings a book's reader gave about the columns segment_by reads, which are not unknown after all.
void drop_segment_column_warnings(std::vector<std::string>& warnings, const std::vector<std::string>& segment_by);

/// The grid at its baseline rows (today's prices) and its chosen rows, for the impact report; a policy
/// without a baseline or a choice is left out (NaN premiums).
struct GridBook;
struct GridResult;
ImpactPolicies grid_impact_policies(const GridBook& grid, const GridResult& result);
/// Before the solve: segment_by's columns and the baseline column are in the grid CSV's header (InputError
/// naming segment_by[k], or segment_by for the missing baseline).
void check_grid_segment_columns(const std::string& grid_path, const std::vector<std::string>& segment_by);
/// segment_by's columns of the grid CSV, one label per policy of `grid` (InputError naming segment_by[k] for a
/// column the file lacks; "file:line" for a label that differs between a policy's rows).
std::vector<ImpactSegment> read_grid_segments(const std::string& grid_path, const GridBook& grid,
                                              const std::vector<std::string>& segment_by);

/// The book at today's prices (prior multipliers) and at `multipliers`, demand from the options' model.
ImpactPolicies solve_impact_policies(const BookView& book, const OptimiseOptions& options,
                                     const std::vector<double>& multipliers);

}  // namespace rateopt
