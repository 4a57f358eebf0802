// The impact report's figures: segments from labels or bands, and per level the premium-change
// distribution, retention and loss ratio before and after (rateopt/impact.hpp).
#include "rateopt/impact.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

#include "io/csv_cursor.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "io/text.hpp"
#include "optimise/problem.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

namespace {

namespace b = math::basis;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kShareTolerance = 1e-9;  // percentage points: a change capped at exactly +5% is not over 5%

bool included(const ImpactPolicies& p, size_t i) {
  return std::isfinite(p.premium_before[i]) && std::isfinite(p.premium_after[i]) && p.premium_before[i] > 0;
}

double change_pct(const ImpactPolicies& p, size_t i) { return (p.premium_after[i] / p.premium_before[i] - 1) * 100; }

/// Weighted inverted-CDF quantile of sorted (value, weight) pairs: the smallest value whose cumulative
/// weight reaches q·W (to round-off, so that 0.05·20 policies picks the first).
double weighted_quantile(const std::vector<std::pair<double, double>>& sorted, double total, double q) {
  const double target = q * total * (1 - 1e-12);
  double cumulative = 0;
  for (const auto& [value, w] : sorted) {
    cumulative += w;
    if (cumulative >= target) return value;
  }
  return sorted.empty() ? kNaN : sorted.back().first;
}

/// One level's sums while the policies are added, then its row.
struct LevelSums {
  int64_t rows = 0;
  double weight = 0, premium_before = 0, premium_after = 0, change = 0, over5 = 0, over10 = 0;
  double renewal_weight = 0;
  Vec before = Vec::Zero(b::global_count), after = Vec::Zero(b::global_count);
  std::vector<std::pair<double, double>> changes;  // (change %, weight)

  void add(const ImpactPolicies& p, size_t i) {
    const double w = p.weight[i], c = change_pct(p, i);
    ++rows;
    weight += w;
    premium_before += w * p.premium_before[i];
    premium_after += w * p.premium_after[i];
    change += w * c;
    over5 += c > 5 + kShareTolerance ? w : 0;
    over10 += c > 10 + kShareTolerance ? w : 0;
    changes.emplace_back(c, w);
    // the basis sums the solve's portfolio figures come from, at each set of prices
    before[b::gwp] += w * p.premium_before[i] * p.demand_before[i];
    before[b::claims] += w * p.loss_cost_before[i] * p.demand_before[i];
    after[b::gwp] += w * p.premium_after[i] * p.demand_after[i];
    after[b::claims] += w * p.loss_cost_after[i] * p.demand_after[i];
    if (p.renewal[i]) {
      renewal_weight += w;
      before[b::renewal] += w * p.demand_before[i];
      after[b::renewal] += w * p.demand_after[i];
    }
  }

  ImpactRow row(const std::string& segment, const std::string& level) {
    ImpactRow r;
    r.segment = segment;
    r.level = level;
    r.rows = rows;
    r.policies = weight;
    r.mean_premium_before = premium_before / weight;
    r.mean_premium_after = premium_after / weight;
    r.mean_change_pct = change / weight;
    std::sort(changes.begin(), changes.end());
    r.p5_change_pct = weighted_quantile(changes, weight, 0.05);
    r.p25_change_pct = weighted_quantile(changes, weight, 0.25);
    r.median_change_pct = weighted_quantile(changes, weight, 0.5);
    r.p75_change_pct = weighted_quantile(changes, weight, 0.75);
    r.p95_change_pct = weighted_quantile(changes, weight, 0.95);
    r.share_over_5pct = over5 / weight;
    r.share_over_10pct = over10 / weight;
    const PortfolioMetrics at_before = portfolio_metrics(before, renewal_weight);
    const PortfolioMetrics at_after = portfolio_metrics(after, renewal_weight);
    r.retention_before = at_before.retention;
    r.retention_after = at_after.retention;
    r.loss_ratio_before = at_before.loss_ratio;
    r.loss_ratio_after = at_after.loss_ratio;
    return r;
  }
};

void check_lengths(const ImpactPolicies& p) {
  const size_t n = p.weight.size();
  for (const std::vector<double>* column : {&p.premium_before, &p.premium_after, &p.demand_before, &p.demand_after,
                                            &p.loss_cost_before, &p.loss_cost_after})
    if (column->size() != n) throw SolverError("impact report: per-policy columns disagree in length");
  if (p.renewal.size() != n) throw SolverError("impact report: per-policy columns disagree in length");
}

}  // namespace

void ImpactOptions::validate() const {
  for (size_t k = 0; k < segment_by.size(); ++k)
    if (segment_by[k].empty() || segment_by[k].front() == ':')
      throw InputError("segment_by[" + std::to_string(k) + "] = " + quoted_text(segment_by[k]) +
                       ": expected column or column:N");
}

ImpactSegment label_segment(const std::string& name, const std::vector<std::string>& labels,
                            const std::string& argument, const std::vector<std::string>& order) {
  ImpactSegment s;
  s.name = name;
  std::unordered_map<std::string, int32_t> first_index;
  std::vector<std::string> distinct;
  std::vector<int32_t> raw(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto [it, fresh] = first_index.emplace(labels[i], static_cast<int32_t>(distinct.size()));
    if (fresh) distinct.push_back(labels[i]);
    raw[i] = it->second;
  }
  std::vector<int32_t> rank(distinct.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!order.empty()) {
    std::unordered_map<std::string, size_t> position;
    for (size_t k = 0; k < order.size(); ++k) position.emplace(order[k], k);
    const auto at = [&](int32_t d) {
      const auto it = position.find(distinct[d]);
      return it == position.end() ? order.size() : it->second;
    };
    std::stable_sort(rank.begin(), rank.end(), [&](int32_t a, int32_t c) { return at(a) < at(c); });
  } else {
    if (distinct.size() > kMaxSegmentLevels)
      throw InputError(argument + " = " + quoted_text(name) + ": " + std::to_string(distinct.size()) +
                       " distinct values (at most " + std::to_string(kMaxSegmentLevels) +
                       " levels); band a numeric column as " + name + ":10 (10 bands of equal policy count)");
    std::vector<double> number(distinct.size());
    bool numeric = true;
    for (size_t d = 0; d < distinct.size() && numeric; ++d) numeric = number_error(distinct[d], number[d]) == nullptr;
    if (numeric)
      std::sort(rank.begin(), rank.end(), [&](int32_t a, int32_t c) { return number[a] < number[c]; });
    else
      std::sort(rank.begin(), rank.end(), [&](int32_t a, int32_t c) { return distinct[a] < distinct[c]; });
  }
  std::vector<int32_t> level_of_distinct(distinct.size());
  for (size_t k = 0; k < rank.size(); ++k) {
    level_of_distinct[rank[k]] = static_cast<int32_t>(k);
    s.levels.push_back(distinct[rank[k]]);
  }
  s.level_of.resize(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) s.level_of[i] = level_of_distinct[raw[i]];
  return s;
}

ImpactSegment banded_segment(const std::string& name, const std::vector<double>& values,
                             const std::vector<double>& weight, int bands) {
  ImpactSegment s;
  s.name = name;
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t c) { return values[a] < values[c]; });
  const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
  s.level_of.assign(values.size(), 0);
  // A value goes to the band its cumulative weight below it falls in (a tie is never split; a heavy value
  // can leave a band empty, and the bands present are numbered on).
  std::vector<std::pair<double, double>> range;  // (lo, hi) per band
  double cumulative = 0;
  int current = -1;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    if (k == 0 || values[i] != values[order[k - 1]]) {
      const int band = std::min(bands - 1, static_cast<int>(std::floor(cumulative / total * bands * (1 + 1e-12))));
      if (band != current) range.emplace_back(values[i], values[i]);
      current = band;
    }
    range.back().second = values[i];
    s.level_of[i] = static_cast<int32_t>(range.size() - 1);
    cumulative += weight[i];
  }
  for (const auto& [lo, hi] : range) s.levels.push_back(shortest(lo) + ".." + shortest(hi));
  return s;
}

int64_t impact_left_out(const ImpactPolicies& p) {
  int64_t left_out = 0;
  for (size_t i = 0; i < p.weight.size(); ++i) left_out += included(p, i) ? 0 : 1;
  return left_out;
}

std::vector<ImpactRow> impact_rows(const ImpactPolicies& p, const std::vector<ImpactSegment>& segments) {
  check_lengths(p);
  const size_t n = p.weight.size();
  std::vector<ImpactRow> rows;
  LevelSums book;
  for (size_t i = 0; i < n; ++i)
    if (included(p, i)) book.add(p, i);
  if (book.rows == 0) return rows;
  rows.push_back(book.row("all", "all"));
  for (const ImpactSegment& s : segments) {
    if (s.level_of.size() != n) throw SolverError("impact report: segment " + s.name + " disagrees in length");
    std::vector<LevelSums> levels(s.levels.size());
    for (size_t i = 0; i < n; ++i)
      if (included(p, i)) levels[static_cast<size_t>(s.level_of[i])].add(p, i);
    for (size_t l = 0; l < levels.size(); ++l)
      if (levels[l].rows > 0) rows.push_back(levels[l].row(s.name, s.levels[l]));
  }
  return rows;
}

std::string impact_csv(const std::vector<ImpactRow>& rows) {
  std::string out =
      "segment,level,rows,policies,mean_premium_before,mean_premium_after,mean_change_pct,p5_change_pct,"
      "p25_change_pct,median_change_pct,p75_change_pct,p95_change_pct,share_over_5pct,share_over_10pct,"
      "retention_before,retention_after,loss_ratio_before,loss_ratio_after\n";
  for (const ImpactRow& r : rows) {
    CsvRow row(out);
    row.text(r.segment).text(r.level).integer(r.rows).number(r.policies);
    for (double x : {r.mean_premium_before, r.mean_premium_after, r.mean_change_pct, r.p5_change_pct, r.p25_change_pct,
                     r.median_change_pct, r.p75_change_pct, r.p95_change_pct, r.share_over_5pct, r.share_over_10pct,
                     r.retention_before, r.retention_after, r.loss_ratio_before, r.loss_ratio_after})
      row.number(x);
  }
  return out;
}

std::string impact_json(const std::vector<ImpactRow>& rows) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const ImpactRow& r : rows)
    out.push_back({{"segment", r.segment},
                   {"level", r.level},
                   {"rows", r.rows},
                   {"policies", r.policies},
                   {"mean_premium_before", finite_or_null(r.mean_premium_before)},
                   {"mean_premium_after", finite_or_null(r.mean_premium_after)},
                   {"mean_change_pct", finite_or_null(r.mean_change_pct)},
                   {"p5_change_pct", finite_or_null(r.p5_change_pct)},
                   {"p25_change_pct", finite_or_null(r.p25_change_pct)},
                   {"median_change_pct", finite_or_null(r.median_change_pct)},
                   {"p75_change_pct", finite_or_null(r.p75_change_pct)},
                   {"p95_change_pct", finite_or_null(r.p95_change_pct)},
                   {"share_over_5pct", finite_or_null(r.share_over_5pct)},
                   {"share_over_10pct", finite_or_null(r.share_over_10pct)},
                   {"retention_before", finite_or_null(r.retention_before)},
                   {"retention_after", finite_or_null(r.retention_after)},
                   {"loss_ratio_before", finite_or_null(r.loss_ratio_before)},
                   {"loss_ratio_after", finite_or_null(r.loss_ratio_after)}});
  return out.dump();
}

std::vector<ImpactSegment> label_segments(const std::vector<std::string>& names,
                                          const std::vector<std::vector<std::string>>& labels, size_t policies,
                                          const std::string& argument) {
  if (names.size() != labels.size()) throw InputError(argument + ": names and label columns disagree in number");
  std::vector<ImpactSegment> out;
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string where = argument + "[" + quoted_text(names[k]) + "]";
    if (labels[k].size() != policies)
      throw InputError(where + " has " + std::to_string(labels[k].size()) + " labels for a book of " +
                       std::to_string(policies) + " policies");
    out.push_back(label_segment(names[k], labels[k], where));
  }
  return out;
}

const std::vector<std::string>& impact_output_files() {
  static const std::vector<std::string> files{"impact.csv", "impact.svg"};
  return files;
}

ImpactFiles impact_files(const ImpactPolicies& policies, const std::vector<ImpactSegment>& segments) {
  const std::vector<ImpactRow> rows = impact_rows(policies, segments);
  return {impact_csv(rows), impact_svg(rows)};
}

void remove_stale_impact_outputs(const std::string& out_dir) {
  for (const std::string& name : impact_output_files())
    remove_stale_output(out_dir, name, "the impact report of an earlier solve");
}

ImpactPolicies solve_impact_policies(const BookView& book, const OptimiseOptions& options,
                                     const std::vector<double>& multipliers) {
  const PolicyOutputs before = policy_outputs(book, options, book.prior_multiplier);
  PolicyOutputs after = policy_outputs(book, options, ColumnView<double>(multipliers));
  ImpactPolicies p;
  p.weight.assign(book.weight.begin(), book.weight.end());
  p.renewal.assign(book.renewal_flag.begin(), book.renewal_flag.end());
  p.premium_before = before.new_premium;
  p.demand_before = before.expected_demand;
  p.premium_after = std::move(after.new_premium);
  p.demand_after = std::move(after.expected_demand);
  p.loss_cost_before.assign(book.expected_loss_cost.begin(), book.expected_loss_cost.end());
  p.loss_cost_after = p.loss_cost_before;
  return p;
}

}  // namespace rateopt
