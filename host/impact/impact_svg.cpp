// impact.svg: per segment column, the premium change by level and retention and loss ratio before and after.
#include <cmath>

#include "io/chart.hpp"
#include "rateopt/impact.hpp"

namespace rateopt {

namespace {

constexpr size_t kMaxBars = 40;  // levels drawn per panel; impact.csv has every one
constexpr const char* kBefore = "#9e9e9e";
constexpr const char* kAfter = "#1f77b4";

/// The rows of one segment column, the whole book first as the reference bar.
std::vector<const ImpactRow*> segment_rows(const std::vector<ImpactRow>& rows, const std::string& segment) {
  std::vector<const ImpactRow*> out{&rows.front()};
  for (const ImpactRow& r : rows)
    if (r.segment == segment && out.size() <= kMaxBars) out.push_back(&r);
  return out;
}

BarSeries before_after(const std::vector<const ImpactRow*>& rows, double ImpactRow::*before, double ImpactRow::*after,
                       BarSeries& later) {
  BarSeries earlier{"before", {}, {}, {}, {}, {}, kBefore};
  later = BarSeries{"after", {}, {}, {}, {}, {}, kAfter};
  for (const ImpactRow* r : rows) {
    earlier.values.push_back(r->*before);
    later.values.push_back(r->*after);
  }
  return earlier;
}

void add_panels(const std::vector<ImpactRow>& rows, const std::string& segment, size_t levels,
                std::vector<BarPanel>& panels) {
  const std::vector<const ImpactRow*> shown = segment_rows(rows, segment);
  std::vector<std::string> categories;
  for (const ImpactRow* r : shown) categories.push_back(r == &rows.front() ? "whole book" : r->level);
  const std::string cut = levels > kMaxBars ? " (first " + std::to_string(kMaxBars) + " of " + std::to_string(levels) +
                                                  " levels; every level in impact.csv)"
                                            : "";
  BarSeries change{"mean change", {}, {}, {}, {}, {}, kAfter};
  for (const ImpactRow* r : shown) {
    change.values.push_back(r->mean_change_pct);
    change.range_lo.push_back(r->p5_change_pct);
    change.range_hi.push_back(r->p95_change_pct);
    change.box_lo.push_back(r->p25_change_pct);
    change.box_hi.push_back(r->p75_change_pct);
  }
  panels.push_back(
      BarPanel{segment + ": mean premium change, p5-p95 and p25-p75" + cut, "premium change %", categories, {change}});
  BarSeries after;
  BarSeries before = before_after(shown, &ImpactRow::retention_before, &ImpactRow::retention_after, after);
  if (std::isfinite(rows.front().retention_before))
    panels.push_back(
        BarPanel{segment + ": retention before and after" + cut, "retention", categories, {before, after}});
  before = before_after(shown, &ImpactRow::loss_ratio_before, &ImpactRow::loss_ratio_after, after);
  panels.push_back(
      BarPanel{segment + ": loss ratio before and after" + cut, "loss ratio", categories, {before, after}});
}

}  // namespace

std::string impact_svg(const std::vector<ImpactRow>& rows) {
  std::vector<BarPanel> panels;
  if (rows.empty()) return render_bar_svg("Impact of the new prices: no policy with a price before and after", panels);
  std::vector<std::string> segments;
  std::vector<size_t> levels;
  for (const ImpactRow& r : rows) {
    if (&r == &rows.front()) continue;
    if (segments.empty() || segments.back() != r.segment) {
      segments.push_back(r.segment);
      levels.push_back(0);
    }
    ++levels.back();
  }
  for (size_t k = 0; k < segments.size(); ++k) add_panels(rows, segments[k], levels[k], panels);
  return render_bar_svg("Impact of the new prices by segment (change against today's price)", panels);
}

}  // namespace rateopt
