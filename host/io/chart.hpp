// Self-contained SVG charts for sweeps (SPEC §2): the efficient frontier (profit against retention, GWP
// or loss ratio, with the chosen point marked) and the Pareto scatter (profit against retention, each
// point coloured by its disparity).  No dependencies: the output is a standalone SVG 1.1 document that
// browsers and rsvg-convert render the same way.
#pragma once

#include <string>
#include <vector>

namespace rateopt {

/// One data series.  x, y (and colour_value when given) have the same length.  A point with a
/// non-finite coordinate is skipped and breaks the line there (a gap).
struct ChartSeries {
  std::string name;                  // legend entry
  std::vector<double> x, y;          // same length; NaN points are skipped (a gap in the line)
  bool line = true;                  // polyline through the points
  bool markers = true;               // a small circle per point
  std::vector<double> colour_value;  // optional, same length: colour each marker on a scale, with a colour bar
  std::string colour;                // optional CSS colour for the line and markers; empty = the palette's next
};

/// A highlighted point (the chosen / TOPSIS point), drawn prominently in red with its label.  Kept
/// to three fields so that ChartMarker{x, y, "label"} compiles cleanly under -Wextra.
struct ChartMarker {
  double x, y;
  std::string label;
};

struct Chart {
  std::string title, x_label, y_label, colour_label;
  std::vector<ChartSeries> series;
  std::vector<ChartMarker> markers;
};

/// A complete standalone SVG document (XML declaration, width/height/viewBox, white background), with
/// axes, light grid lines, "nice" ticks (1-2-5 steps) spanning every finite point and marker, tick
/// labels with thousands separators and as many decimals as the step needs, axis labels, the title,
/// a legend when there is more than one series, the markers with their labels, and a viridis colour
/// bar when any series has colour_value.  Text is XML-escaped (and invalid UTF-8 or control
/// characters replaced), so any string gives a well-formed document.  Degenerate data (no points,
/// one point, all equal) still gives a valid chart.  Elements carry classes (title, x-label, y-label,
/// x-tick-label, y-tick-label, colour-tick-label, legend, series, marker, marker-label, colour-bar)
/// for tests and styling.  The output depends only on the arguments (no locale, no clock).
/// Throws std::invalid_argument when a series' x, y and colour_value lengths differ, or when width or
/// height is below 120.
std::string render_svg(const Chart& chart, int width = 900, int height = 560);

/// Bars of one series in a bar panel: one value per category (NaN: no bar), and optionally per category a
/// range drawn as a whisker (range_lo..range_hi) with a thicker inner range (box_lo..box_hi) over the bar.
struct BarSeries {
  std::string name;
  std::vector<double> values;
  std::vector<double> range_lo, range_hi, box_lo, box_hi;  // empty, or one per category
  std::string colour;                                      // empty: the palette's next
};

/// One panel: categories along x, the series' bars side by side in each category, from zero.
struct BarPanel {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
};

/// Panels stacked top to bottom in one standalone SVG document under `title`, each panel_height px high
/// (plus room for its category labels, turned when they do not fit side by side, and cut to 24
/// characters).  The y axis of each panel has nice ticks over its values, ranges and zero; a legend shows
/// when a panel has more than one series.  Elements carry classes (title, panel, panel-title, bar,
/// range, category-label, y-tick-label, legend).  Throws std::invalid_argument when a series' lengths
/// disagree with the categories, or the width is below 320.
std::string render_bar_svg(const std::string& title, const std::vector<BarPanel>& panels, int width = 900,
                           int panel_height = 280);

/// Nice tick positions for an axis: a step of 1, 2 or 5 × 10^k giving about `target` intervals, the
/// first tick at or below lo and the last at or above hi (so the ticks cover [lo, hi]).  lo == hi (or
/// a non-finite bound) gives a small symmetric range around the value (around 0..1 when nothing is
/// finite).  At least two ticks.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

/// A tick label: `value` with the decimals that `step` needs (0.7812 for a step of 0.0002), thousands
/// separators in the integer part (1,250,000), ASCII '-' for negatives, never "-0".  Very large or
/// very small magnitudes use an exponent (1.5e+20).
std::string format_tick(double value, double step);

}  // namespace rateopt
