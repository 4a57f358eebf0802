// SVG charts for sweeps: see host/io/chart.hpp.
#include "io/chart.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace rateopt {
namespace {

constexpr double kHuge = 1e300;  // values are clamped to ±kHuge so that differences stay finite

// Fonts and colours.  Sizes are in px; widths of text are estimated from DejaVu Sans metrics (the
// widest of the fonts listed), so the layout leaves enough room whichever of them the viewer has.
constexpr const char* kFontFamily = "Helvetica Neue, Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif";
constexpr double kTitleSize = 16;
constexpr double kLabelSize = 14;
constexpr double kTickSize = 12;
constexpr double kLegendSize = 13;
constexpr double kMarkerLabelSize = 13;
constexpr double kPad = 14;       // outer margin
constexpr double kInnerPad = 10;  // between the plot frame and the data range, so points never sit on an axis
constexpr double kTickLength = 5;
constexpr const char* kGridColour = "#e6e6e6";
constexpr const char* kZeroColour = "#bdbdbd";
constexpr const char* kAxisColour = "#555555";
constexpr const char* kTickTextColour = "#444444";
constexpr const char* kTextColour = "#222222";
constexpr const char* kMarkerColour = "#d62728";
constexpr const char* kMissingColour = "#bbbbbb";
// Series colours (Tableau 10 without its red, which is kept for the highlighted markers).
constexpr std::array<const char*, 9> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                                 "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
// Viridis at 0, 0.1, ..., 1 (perceptually uniform, readable in grey and by colour-blind viewers).
constexpr std::array<std::array<int, 3>, 11> kViridis = {{{68, 1, 84},
                                                          {72, 36, 117},
                                                          {65, 68, 135},
                                                          {53, 95, 141},
                                                          {42, 120, 142},
                                                          {33, 145, 140},
                                                          {34, 168, 132},
                                                          {68, 191, 112},
                                                          {122, 209, 81},
                                                          {189, 223, 38},
                                                          {253, 231, 37}}};

// ---------------------------------------------------------------------------------------------------
// Text

/// The code points of s; invalid UTF-8 (and surrogates, U+FFFE, U+FFFF) become U+FFFD.
std::vector<char32_t> decode_utf8(const std::string& s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  const size_t n = s.size();
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < n && (byte(k) & 0xC0) == 0x80; };
  while (i < n) {
    const unsigned char b0 = byte(i);
    char32_t cp = 0xFFFD;
    size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF && cont(i + 1)) {
      cp = (char32_t(b0 & 0x1F) << 6) | (byte(i + 1) & 0x3F);
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF && cont(i + 1) && cont(i + 2)) {
      const char32_t v = (char32_t(b0 & 0x0F) << 12) | (char32_t(byte(i + 1) & 0x3F) << 6) | (byte(i + 2) & 0x3F);
      if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF) && v != 0xFFFE && v != 0xFFFF) {
        cp = v;
        len = 3;
      }
    } else if (b0 >= 0xF0 && b0 <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const char32_t v = (char32_t(b0 & 0x07) << 18) | (char32_t(byte(i + 1) & 0x3F) << 12) |
                         (char32_t(byte(i + 2) & 0x3F) << 6) | (byte(i + 3) & 0x3F);
      if (v >= 0x10000 && v <= 0x10FFFF) {
        cp = v;
        len = 4;
      }
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// s as XML character data or attribute value: markup characters escaped, control characters (which
/// XML 1.0 forbids, and which would not display on one line anyway) turned into spaces.
std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char32_t cp : decode_utf8(s)) {
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (cp < 0x20 || cp == 0x7F) {
          out += ' ';
        } else {
          append_utf8(out, cp);
        }
    }
  }
  return out;
}

/// Estimated advance width of s at font size `size` (DejaVu Sans, the widest of kFontFamily).
double text_width(const std::string& s, double size) {
  double em = 0;
  for (const char32_t c : decode_utf8(s)) {
    if (c >= '0' && c <= '9') {
      em += 0.64;
    } else if (c == '.' || c == ',' || c == ':' || c == ';' || c == 'i' || c == 'l' || c == 'j' || c == '\'' ||
               c == '|' || c == '!') {
      em += 0.30;
    } else if (c == ' ') {
      em += 0.32;
    } else if (c == '-' || c == '(' || c == ')' || c == 'f' || c == 't' || c == 'r' || c == '[' || c == ']') {
      em += 0.40;
    } else if (c == 'm' || c == 'w') {
      em += 0.95;
    } else if (c == 'M' || c == 'W' || c == '%') {
      em += 0.98;
    } else if (c >= 'A' && c <= 'Z') {
      em += 0.72;
    } else if (c < 0x80) {
      em += 0.62;
    } else {
      em += 0.75;
    }
  }
  return em * size;
}

// ---------------------------------------------------------------------------------------------------
// Numbers

/// v with `decimals` digits after the point, locale-independent.
std::string fixed(double v, int decimals) {
  char buf[512];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (r.ec != std::errc()) return "0";
  return std::string(buf, r.ptr);
}

/// A pixel coordinate: at most two decimals, trailing zeros dropped.
std::string px(double v) {
  if (!std::isfinite(v)) v = 0;
  v = std::clamp(v, -1e6, 1e6);
  std::string s = fixed(v, 2);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

struct TickSet {
  std::vector<double> ticks;
  double step = 1;
};

/// The tick value k·step for step = nice·10^e, computed so that decimal ticks are the nearest doubles
/// (0.3, not 0.30000000000000004).
double tick_value(double k, int nice, int e) {
  if (e < 0 && e >= -22) return (k * nice) / std::pow(10.0, -e);  // 10^-e is exact up to 1e22
  return k * nice * std::pow(10.0, e);
}

TickSet nice_tick_set(double lo, double hi, int target) {
  if (!std::isfinite(lo) && !std::isfinite(hi)) {
    lo = 0;
    hi = 1;
  } else if (!std::isfinite(lo)) {
    lo = hi;
  } else if (!std::isfinite(hi)) {
    hi = lo;
  }
  lo = std::clamp(lo, -kHuge, kHuge);
  hi = std::clamp(hi, -kHuge, kHuge);
  if (lo > hi) std::swap(lo, hi);
  target = std::clamp(target, 1, 50);
  const double scale = std::max(std::abs(lo), std::abs(hi));
  if (hi - lo <= 1e-10 * scale || hi - lo < 1e-250) {  // one value: a small range around it
    const double mid = lo / 2 + hi / 2;
    const double half = mid == 0 || std::abs(mid) < 1e-250 ? 1.0 : std::abs(mid) * 0.05;
    lo = mid - half;
    hi = mid + half;
  }
  const double raw = (hi - lo) / target;
  const int e0 = static_cast<int>(std::floor(std::log10(raw)));
  // Candidates 1, 2, 5 × 10^e around the raw step; keep the one whose tick count is nearest the
  // target (ties: the larger step, fewer labels).
  TickSet best;
  double best_score = std::numeric_limits<double>::infinity();
  for (int e = e0 - 1; e <= e0 + 1; ++e) {
    for (const int nice : {1, 2, 5}) {
      const double step = nice * std::pow(10.0, e);
      const double k0 = std::floor(lo / step + 1e-9);
      const double k1 = std::ceil(hi / step - 1e-9);
      const double intervals = std::max(1.0, k1 - k0);
      if (intervals > 200) continue;
      const double score = std::abs(intervals - target);
      if (score < best_score || (score == best_score && step > best.step)) {
        best_score = score;
        best.step = step;
        best.ticks.clear();
        const double k_end = std::max(k1, k0 + 1);
        for (double k = k0; k <= k_end; k += 1) best.ticks.push_back(tick_value(k, nice, e));
      }
    }
  }
  return best;
}

/// Decimals a tick step needs: 0 for steps ≥ 1, 2 for 0.05, 4 for 0.0002.
int decimals_for(double step) {
  const double lg = std::floor(std::log10(step) + 1e-9);
  return lg >= 0 ? 0 : static_cast<int>(-lg);
}

std::string with_thousands(const std::string& s) {
  const size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  size_t end = s.find('.');
  if (end == std::string::npos) end = s.size();
  if (end - start <= 3) return s;
  std::string out = s.substr(0, start);
  for (size_t i = start; i < end; ++i) {
    out += s[i];
    const size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  out += s.substr(end);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Geometry and colour

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    v = std::clamp(v, -kHuge, kHuge);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

/// An axis: the nice ticks and the linear map from [ticks.front(), ticks.back()] to pixels [p0, p1].
struct Axis {
  TickSet ticks;
  std::vector<std::string> labels;
  double max_label_width = 0;
  double p0 = 0, p1 = 1;
  double lo() const { return ticks.ticks.front(); }
  double hi() const { return ticks.ticks.back(); }
  double map(double v) const {
    v = std::clamp(v, -kHuge, kHuge);
    const double t = (v - lo()) / (hi() - lo());
    return p0 + std::clamp(t, -10.0, 10.0) * (p1 - p0);
  }
};

Axis make_axis(const Range& r, int target, double font_size) {
  Axis a;
  a.ticks = r.empty() ? nice_tick_set(0, 1, target) : nice_tick_set(r.lo, r.hi, target);
  for (const double t : a.ticks.ticks) {
    a.labels.push_back(format_tick(t, a.ticks.step));
    a.max_label_width = std::max(a.max_label_width, text_width(a.labels.back(), font_size));
  }
  return a;
}

std::string hex_colour(double r, double g, double b) {
  static const char* digits = "0123456789abcdef";
  std::string s = "#";
  for (const double c : {r, g, b}) {
    const int v = static_cast<int>(std::lround(std::clamp(c, 0.0, 255.0)));
    s += digits[v >> 4];
    s += digits[v & 15];
  }
  return s;
}

/// Viridis at t in [0, 1].
std::string viridis(double t) {
  if (!std::isfinite(t)) return kMissingColour;
  t = std::clamp(t, 0.0, 1.0) * 10;
  const int i = std::min(static_cast<int>(t), 9);
  const double f = t - i;
  const auto& a = kViridis[i];
  const auto& b = kViridis[i + 1];
  return hex_colour(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]));
}

/// Text on one line, in an element with a class.
void text(std::string& out, const char* cls, double x, double y, const std::string& s, const std::string& attrs = "") {
  out += "<text class=\"";
  out += cls;
  out += "\" x=\"" + px(x) + "\" y=\"" + px(y) + "\"";
  if (!attrs.empty()) out += " " + attrs;
  out += ">" + escape(s) + "</text>\n";
}

void line(std::string& out, double x1, double y1, double x2, double y2, const std::string& attrs) {
  out += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\"" +
         (attrs.empty() ? "" : " " + attrs) + "/>\n";
}

struct Box {
  double x0, y0, x1, y1;
};

bool contains(const Box& b, double x, double y) { return x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1; }

bool overlap(const Box& a, const Box& b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }

/// Whether the segment (ax, ay)-(bx, by) meets the box (Liang-Barsky clipping).
bool segment_hits_box(double ax, double ay, double bx, double by, const Box& r) {
  double t0 = 0, t1 = 1;
  const double dx = bx - ax, dy = by - ay;
  auto clip = [&](double p, double q) {
    if (p == 0) return q >= 0;
    const double t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      t0 = std::max(t0, t);
    } else {
      if (t < t0) return false;
      t1 = std::min(t1, t);
    }
    return true;
  };
  return clip(-dx, ax - r.x0) && clip(dx, r.x1 - ax) && clip(-dy, ay - r.y0) && clip(dy, r.y1 - ay);
}

/// A crisp 1-px line sits on a half pixel.
double crisp(double v) { return std::floor(v) + 0.5; }

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) { return nice_tick_set(lo, hi, target).ticks; }

std::string format_tick(double value, double step) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (!(std::isfinite(step) && step > 0)) step = std::abs(value) > 0 ? std::abs(value) * 1e-3 : 1;
  if (std::abs(value) < step * 1e-6) value = 0;  // 1e-17 from rounding is zero
  if (std::abs(value) >= 1e15 || step < 1e-9) {
    // Scientific: enough significant digits to tell ticks `step` apart.
    const double mag = std::max(std::abs(value), step);
    const int digits =
        std::clamp(static_cast<int>(std::floor(std::log10(mag) + 1e-9) - std::floor(std::log10(step) + 1e-9)), 0, 15);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific, digits);
    return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string("0");
  }
  std::string s = fixed(value, decimals_for(step));
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // never "-0.00"
  return with_thousands(s);
}

namespace {

// ---------------------------------------------------------------------------------------------------
// render_svg's steps: check, measure, lay out, then draw each layer in document order.

void check_chart(const Chart& chart, int width, int height) {
  if (width < 120 || height < 120) {
    throw std::invalid_argument("render_svg: the chart must be at least 120x120 px, not " + std::to_string(width) +
                                "x" + std::to_string(height));
  }
  for (const ChartSeries& s : chart.series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument("render_svg: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                  " x values but " + std::to_string(s.y.size()) + " y values");
    }
    if (!s.colour_value.empty() && s.colour_value.size() != s.x.size()) {
      throw std::invalid_argument("render_svg: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                  " points but " + std::to_string(s.colour_value.size()) + " colour values");
    }
  }
}

/// What the data spans: x, y and colour values of every finite point (and marker).
struct DataRanges {
  Range x, y, colour;
  bool colour_bar = false;  ///< some series colours its markers
};

DataRanges data_ranges(const Chart& chart) {
  DataRanges r;
  for (const ChartSeries& s : chart.series) {
    const bool coloured = !s.colour_value.empty();
    r.colour_bar = r.colour_bar || coloured;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      r.x.add(s.x[i]);
      r.y.add(s.y[i]);
      if (coloured) r.colour.add(s.colour_value[i]);
    }
  }
  for (const ChartMarker& m : chart.markers) {
    if (!std::isfinite(m.x) || !std::isfinite(m.y)) continue;
    r.x.add(m.x);
    r.y.add(m.y);
  }
  return r;
}

// Legend geometry.
constexpr double kSwatch = 26, kSwatchGap = 6, kEntryGap = 20, kRowHeight = 20;
// Colour bar geometry.
constexpr double kBarGap = 22, kBarWidth = 14;

/// Where everything goes, in pixels.
struct Layout {
  double w = 0, h = 0;
  bool has_data = false, colour_bar = false, legend = false;
  double title_baseline = 0;
  std::vector<std::vector<size_t>> legend_rows;  ///< series indices, packed into rows as wide as the chart
  std::vector<double> entry_width;               ///< of each series' legend entry
  double legend_top = 0;
  double plot_top = 0, plot_bottom = 0, plot_left = 0, plot_right = 0, plot_mid_x = 0;
  double tick_label_baseline = 0, x_label_baseline = 0, y_label_x = 0;
  Axis xa, ya, ca;  ///< x, y and the colour scale
};

/// Legend entries packed into rows no wider than avail.
void pack_legend(const Chart& chart, double avail, Layout& L) {
  L.entry_width.assign(chart.series.size(), 0.0);
  double row_w = 0;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    L.entry_width[i] = kSwatch + kSwatchGap + text_width(chart.series[i].name, kLegendSize);
    const double add = (row_w > 0 ? kEntryGap : 0) + L.entry_width[i];
    if (L.legend_rows.empty() || (row_w > 0 && row_w + add > avail)) {
      L.legend_rows.emplace_back();
      row_w = 0;
    }
    row_w += (row_w > 0 ? kEntryGap : 0) + L.entry_width[i];
    L.legend_rows.back().push_back(i);
  }
}

/// The x axis with as many ticks as fit without their labels touching, and the right margin, widened
/// where the last label (centred on the axis end) would not fit in it.  Sets L.xa and L.plot_right.
void fit_x_axis(const Range& xr, double right_margin, Layout& L) {
  for (int pass = 0; pass < 2; ++pass) {
    const double plot_w = std::max(L.w - right_margin - L.plot_left, 20.0);
    int target = std::clamp(static_cast<int>(plot_w / 100), 2, 10);
    for (;; --target) {
      L.xa = make_axis(xr, target, kTickSize);
      const double spacing = (plot_w - 2 * kInnerPad) / std::max<size_t>(1, L.xa.ticks.ticks.size() - 1);
      if (target <= 2 || L.xa.max_label_width + 14 <= spacing) break;
    }
    const double overhang = text_width(L.xa.labels.back(), kTickSize) / 2 - kInnerPad + 2;
    if (L.colour_bar || overhang <= right_margin - 4) break;
    right_margin = overhang + 4;
  }
  L.plot_right = std::max(L.w - right_margin, L.plot_left + 20);
  L.xa.p0 = L.plot_left + kInnerPad;
  L.xa.p1 = L.plot_right - kInnerPad;
}

/// Top to bottom: title, legend, plot; left to right: y label, y ticks, plot, colour bar.
Layout lay_out(const Chart& chart, const DataRanges& data, int width, int height) {
  Layout L;
  L.w = width;
  L.h = height;
  L.has_data = !data.x.empty();
  L.colour_bar = data.colour_bar;
  double top = kPad;
  if (!chart.title.empty()) {
    L.title_baseline = kPad + kTitleSize * 0.8;
    top = L.title_baseline + kTitleSize * 0.25 + 6;
  }
  L.legend = chart.series.size() > 1;
  L.entry_width.assign(chart.series.size(), 0.0);
  if (L.legend) pack_legend(chart, L.w - 2 * kPad, L);
  L.legend_top = top + 2;
  if (L.legend) top = L.legend_top + L.legend_rows.size() * kRowHeight + 2;
  L.plot_top = top + 10;  // half a tick label above the top tick
  L.tick_label_baseline = kTickLength + 4 + kTickSize * 0.75;
  L.x_label_baseline = L.tick_label_baseline + 10 + kLabelSize * 0.8;
  const double bottom_margin =
      (chart.x_label.empty() ? L.tick_label_baseline + 4 : L.x_label_baseline + kLabelSize * 0.25) + kPad;
  L.plot_bottom = std::max(L.h - bottom_margin, L.plot_top + 20);

  L.ya = make_axis(data.y, std::clamp(static_cast<int>((L.plot_bottom - L.plot_top) / 65), 2, 8), kTickSize);
  L.ya.p0 = L.plot_bottom - kInnerPad;
  L.ya.p1 = L.plot_top + kInnerPad;
  L.y_label_x = kPad + kLabelSize * 0.8;
  L.plot_left = kPad + (chart.y_label.empty() ? 0 : kLabelSize + 10) + L.ya.max_label_width + kTickLength + 4;

  double colour_block = 0;
  if (L.colour_bar) {
    L.ca = make_axis(data.colour, std::clamp(static_cast<int>((L.plot_bottom - L.plot_top) / 65), 2, 6), kTickSize);
    L.ca.p0 = L.plot_bottom;
    L.ca.p1 = L.plot_top;
    colour_block = kBarGap + kBarWidth + kTickLength + 4 + L.ca.max_label_width +
                   (chart.colour_label.empty() ? 0 : 10 + kLabelSize);
  }
  fit_x_axis(data.x, kPad + (L.colour_bar ? colour_block : 10), L);
  L.plot_mid_x = (L.plot_left + L.plot_right) / 2;
  return L;
}

/// The XML declaration, the <svg> element, the chart's title and a white background.
void draw_document_start(std::string& out, const Chart& chart, int width, int height) {
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
         "\" font-family=\"" + kFontFamily + "\">\n";
  if (!chart.title.empty()) out += "<title>" + escape(chart.title) + "</title>\n";
  out += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" fill=\"#ffffff\"/>\n";
}

/// Grid, a darker line at y = 0 when the range crosses it, then the axes, their ticks and tick labels.
void draw_axes(std::string& out, const Layout& L) {
  const Axis &xa = L.xa, &ya = L.ya;
  out += "<g class=\"grid\" stroke=\"" + std::string(kGridColour) +
         "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n";
  for (const double t : xa.ticks.ticks) line(out, crisp(xa.map(t)), L.plot_top, crisp(xa.map(t)), L.plot_bottom, "");
  for (const double t : ya.ticks.ticks) line(out, L.plot_left, crisp(ya.map(t)), L.plot_right, crisp(ya.map(t)), "");
  out += "</g>\n";
  if (ya.lo() < 0 && ya.hi() > 0) {
    line(out, L.plot_left, crisp(ya.map(0)), L.plot_right, crisp(ya.map(0)),
         "class=\"zero-line\" stroke=\"" + std::string(kZeroColour) +
             "\" stroke-width=\"1\" shape-rendering=\"crispEdges\"");
  }
  out += "<g class=\"axes\" stroke=\"" + std::string(kAxisColour) +
         "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n";
  line(out, crisp(L.plot_left), L.plot_top, crisp(L.plot_left), crisp(L.plot_bottom) + 0.5, "");
  line(out, crisp(L.plot_left) - 0.5, crisp(L.plot_bottom), L.plot_right, crisp(L.plot_bottom), "");
  for (const double t : xa.ticks.ticks) {
    line(out, crisp(xa.map(t)), crisp(L.plot_bottom), crisp(xa.map(t)), crisp(L.plot_bottom) + kTickLength, "");
  }
  for (const double t : ya.ticks.ticks) {
    line(out, crisp(L.plot_left) - kTickLength, crisp(ya.map(t)), crisp(L.plot_left), crisp(ya.map(t)), "");
  }
  out += "</g>\n";
  out += "<g class=\"tick-labels\" font-size=\"" + px(kTickSize) + "\" fill=\"" + kTickTextColour + "\">\n";
  for (size_t i = 0; i < xa.labels.size(); ++i) {
    text(out, "x-tick-label", xa.map(xa.ticks.ticks[i]), L.plot_bottom + L.tick_label_baseline, xa.labels[i],
         "text-anchor=\"middle\"");
  }
  for (size_t i = 0; i < ya.labels.size(); ++i) {
    text(out, "y-tick-label", L.plot_left - kTickLength - 4, ya.map(ya.ticks.ticks[i]) + kTickSize * 0.35, ya.labels[i],
         "text-anchor=\"end\"");
  }
  out += "</g>\n";
}

/// The title (centred on the plot, shrunk down to 11 px when that is what it takes to fit the chart)
/// and the axis labels.
void draw_titles(std::string& out, const Chart& chart, const Layout& L) {
  if (!chart.title.empty()) {
    const double natural = text_width(chart.title, kTitleSize) * 1.12;  // bold
    const double size = std::max(11.0, std::min(kTitleSize, kTitleSize * (L.w - 2 * kPad) / std::max(natural, 1.0)));
    const double tw = natural * size / kTitleSize;
    const double cx = tw >= L.w - 2 * kPad ? L.w / 2 : std::clamp(L.plot_mid_x, kPad + tw / 2, L.w - kPad - tw / 2);
    text(out, "title", cx, L.title_baseline, chart.title,
         "text-anchor=\"middle\" font-size=\"" + px(size) + "\" font-weight=\"bold\" fill=\"#111111\"");
  }
  if (!chart.x_label.empty()) {
    text(out, "x-label", L.plot_mid_x, L.plot_bottom + L.x_label_baseline, chart.x_label,
         "text-anchor=\"middle\" font-size=\"" + px(kLabelSize) + "\" fill=\"" + kTextColour + "\"");
  }
  if (!chart.y_label.empty()) {
    const double cy = (L.plot_top + L.plot_bottom) / 2;
    out += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(" + px(L.y_label_x) + " " + px(cy) +
           ") rotate(-90)\" text-anchor=\"middle\" font-size=\"" + px(kLabelSize) + "\" fill=\"" + kTextColour + "\">" +
           escape(chart.y_label) + "</text>\n";
  }
}

std::string series_colour(const Chart& chart, size_t i) {
  return chart.series[i].colour.empty() ? std::string(kPalette[i % kPalette.size()]) : chart.series[i].colour;
}

/// One series: its line (broken at non-finite points), then the point markers on top.
void draw_series(std::string& out, const ChartSeries& s, const std::string& colour, const Layout& L) {
  const Axis &xa = L.xa, &ya = L.ya;
  const bool coloured = !s.colour_value.empty();
  out += "<g class=\"series\">\n";
  if (!s.name.empty()) out += "<title>" + escape(s.name) + "</title>\n";
  if (s.line) {
    std::string d;
    bool pen_down = false;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        pen_down = false;
        continue;
      }
      d += (d.empty() ? "" : " ") + std::string(pen_down ? "L" : "M") + px(xa.map(s.x[i])) + " " + px(ya.map(s.y[i]));
      pen_down = true;
    }
    if (!d.empty()) {
      out += "<path class=\"series-line\" d=\"" + d + "\" fill=\"none\" stroke=\"" + escape(colour) +
             "\" stroke-width=\"2.25\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
             (coloured ? " stroke-opacity=\"0.45\"" : "") + "/>\n";
    }
  }
  auto finite_at = [&](size_t i) { return i < s.x.size() && std::isfinite(s.x[i]) && std::isfinite(s.y[i]); };
  if (s.line && !s.markers) {
    // A point between two gaps is a line of length zero: show it as a dot.
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (finite_at(i) && (i == 0 || !finite_at(i - 1)) && !finite_at(i + 1)) {
        out += "<circle cx=\"" + px(xa.map(s.x[i])) + "\" cy=\"" + px(ya.map(s.y[i])) + "\" r=\"2.25\" fill=\"" +
               escape(colour) + "\"/>\n";
      }
    }
  }
  auto colour_of = [&](double v) {
    if (!std::isfinite(v)) return std::string(kMissingColour);
    return viridis((v - L.ca.lo()) / (L.ca.hi() - L.ca.lo()));
  };
  if (s.markers) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      out += "<circle cx=\"" + px(xa.map(s.x[i])) + "\" cy=\"" + px(ya.map(s.y[i])) + "\"";
      if (coloured) {
        out += " r=\"5\" fill=\"" + colour_of(s.colour_value[i]) + "\" stroke=\"#333333\" stroke-width=\"0.6\"/>\n";
      } else {
        out += " r=\"3.5\" fill=\"" + escape(colour) + "\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n";
      }
    }
  }
  out += "</g>\n";
}

/// A highlighted marker's position in pixels and its label.
struct Placed {
  double mx, my;
  const std::string* label;
};

/// What the marker labels should not hide: the data points and line segments, in pixels.
struct Obstacles {
  std::vector<std::array<double, 4>> segments;
  std::vector<std::array<double, 2>> points;
};

Obstacles obstacles(const Chart& chart, const Layout& L) {
  Obstacles o;
  for (const ChartSeries& s : chart.series) {
    bool prev = false;
    for (size_t i = 0; i < s.x.size(); ++i) {
      const bool ok = std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
      if (ok && s.markers) o.points.push_back({L.xa.map(s.x[i]), L.ya.map(s.y[i])});
      if (ok && prev && s.line) {
        o.segments.push_back({L.xa.map(s.x[i - 1]), L.ya.map(s.y[i - 1]), L.xa.map(s.x[i]), L.ya.map(s.y[i])});
      }
      prev = ok;
    }
  }
  return o;
}

/// Dashed guides to both axes and a ringed dot per marker; returns where they went.
std::vector<Placed> draw_markers(std::string& out, const Chart& chart, const Layout& L) {
  std::vector<Placed> placed;
  const std::string marker_colour = kMarkerColour;
  const std::string guide =
      "stroke=\"" + marker_colour + "\" stroke-width=\"1\" stroke-dasharray=\"4 3\" stroke-opacity=\"0.6\"";
  for (const ChartMarker& m : chart.markers) {
    if (!std::isfinite(m.x) || !std::isfinite(m.y)) continue;
    const double mx = L.xa.map(m.x);
    const double my = L.ya.map(m.y);
    out += "<g class=\"marker\">\n";
    line(out, L.plot_left, my, mx, my, guide);
    line(out, mx, my, mx, L.plot_bottom, guide);
    out += "<circle cx=\"" + px(mx) + "\" cy=\"" + px(my) + "\" r=\"10\" fill=\"none\" stroke=\"" + marker_colour +
           "\" stroke-width=\"2\"/>\n";
    out += "<circle cx=\"" + px(mx) + "\" cy=\"" + px(my) + "\" r=\"5.5\" fill=\"" + marker_colour +
           "\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>\n";
    out += "</g>\n";
    placed.push_back({mx, my, &m.label});
  }
  return placed;
}

/// The box of p's label (bw × bh): of eight places around its point, the one that covers the least of
/// the data, the markers and their guides and the labels already placed, inside the plot where possible.
Box label_box(const Placed& p, double bw, double bh, const Layout& L, const Obstacles& obstacles,
              const std::vector<Placed>& placed, const std::vector<Box>& label_boxes) {
  constexpr double d = 13;
  const std::array<std::array<double, 2>, 8> candidates = {{{p.mx + d, p.my - d - bh},
                                                            {p.mx - d - bw, p.my - d - bh},
                                                            {p.mx + d, p.my + d},
                                                            {p.mx - d - bw, p.my + d},
                                                            {p.mx + d + 4, p.my - bh / 2},
                                                            {p.mx - d - 4 - bw, p.my - bh / 2},
                                                            {p.mx - bw / 2, p.my - d - 4 - bh},
                                                            {p.mx - bw / 2, p.my + d + 4}}};
  Box best{};
  double best_score = std::numeric_limits<double>::infinity();
  for (const auto& c : candidates) {
    const Box b{c[0], c[1], c[0] + bw, c[1] + bh};
    const Box grown{b.x0 - 3, b.y0 - 3, b.x1 + 3, b.y1 + 3};
    double score = 0;
    if (b.x0 < L.plot_left + 2 || b.x1 > L.plot_right - 2 || b.y0 < L.plot_top + 2 || b.y1 > L.plot_bottom - 2) {
      score += 1000;
    }
    if (b.x0 < 0 || b.x1 > L.w || b.y0 < 0 || b.y1 > L.h) score += 10000;
    for (const auto& q : obstacles.points) score += contains(grown, q[0], q[1]) ? 3 : 0;
    for (const auto& sg : obstacles.segments) score += segment_hits_box(sg[0], sg[1], sg[2], sg[3], b) ? 2 : 0;
    for (const Placed& o : placed) {
      score += contains(Box{b.x0 - 11, b.y0 - 11, b.x1 + 11, b.y1 + 11}, o.mx, o.my) ? 20 : 0;
      score += segment_hits_box(L.plot_left, o.my, o.mx, o.my, b) ? 1 : 0;  // the guides
      score += segment_hits_box(o.mx, o.my, o.mx, L.plot_bottom, b) ? 1 : 0;
    }
    for (const Box& o : label_boxes) score += overlap(grown, o) ? 50 : 0;
    if (score < best_score) {
      best_score = score;
      best = b;
    }
  }
  return best;
}

/// The markers' boxed labels, above every marker.
void draw_marker_labels(std::string& out, const std::vector<Placed>& placed, const Obstacles& obstacles,
                        const Layout& L) {
  std::vector<Box> label_boxes;
  for (const Placed& p : placed) {
    if (p.label->empty()) continue;
    const double bw = text_width(*p.label, kMarkerLabelSize) * 1.1 + 14;  // semibold is a little wider
    const double bh = kMarkerLabelSize + 10;
    const Box best = label_box(p, bw, bh, L, obstacles, placed, label_boxes);
    // Never off the canvas, whatever the score.
    const double bx = std::clamp(best.x0, 2.0, std::max(2.0, L.w - bw - 2));
    const double by = std::clamp(best.y0, 2.0, std::max(2.0, L.h - bh - 2));
    label_boxes.push_back({bx, by, bx + bw, by + bh});
    out += "<g class=\"marker-label-box\">\n";
    out += "<rect x=\"" + px(bx) + "\" y=\"" + px(by) + "\" width=\"" + px(bw) + "\" height=\"" + px(bh) +
           "\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"" + kMarkerColour + "\" stroke-width=\"1\"/>\n";
    text(out, "marker-label", bx + bw / 2, by + bh / 2 + kMarkerLabelSize * 0.36, *p.label,
         "text-anchor=\"middle\" font-size=\"" + px(kMarkerLabelSize) + "\" font-weight=\"600\" fill=\"" + kTextColour +
             "\"");
    out += "</g>\n";
  }
}

/// The legend, centred over the plot (over the chart when wider).
void draw_legend(std::string& out, const Chart& chart, const Layout& L) {
  out += "<g class=\"legend\" font-size=\"" + px(kLegendSize) + "\" fill=\"" + kTextColour + "\">\n";
  for (size_t r = 0; r < L.legend_rows.size(); ++r) {
    double row_w = 0;
    for (const size_t i : L.legend_rows[r]) row_w += (row_w > 0 ? kEntryGap : 0) + L.entry_width[i];
    double x = row_w <= L.plot_right - L.plot_left ? L.plot_mid_x - row_w / 2 : (L.w - row_w) / 2;
    x = std::max(x, kPad);
    const double cy = L.legend_top + r * kRowHeight + kRowHeight / 2;
    for (const size_t i : L.legend_rows[r]) {
      const ChartSeries& s = chart.series[i];
      const std::string colour = escape(series_colour(chart, i));
      if (s.line || !s.markers) {
        line(out, x + 1, cy, x + kSwatch - 1, cy,
             "stroke=\"" + colour + "\" stroke-width=\"2.25\" stroke-linecap=\"round\"" +
                 (s.colour_value.empty() ? "" : " stroke-opacity=\"0.45\""));
      }
      if (s.markers) {
        if (s.colour_value.empty()) {
          out += "<circle cx=\"" + px(x + kSwatch / 2) + "\" cy=\"" + px(cy) + "\" r=\"3.5\" fill=\"" + colour +
                 "\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n";
        } else {
          out += "<circle cx=\"" + px(x + kSwatch / 2) + "\" cy=\"" + px(cy) + "\" r=\"5\" fill=\"" + viridis(0.5) +
                 "\" stroke=\"#333333\" stroke-width=\"0.6\"/>\n";
        }
      }
      text(out, "legend-label", x + kSwatch + kSwatchGap, cy + kLegendSize * 0.36, s.name);
      x += L.entry_width[i] + kEntryGap;
    }
  }
  out += "</g>\n";
}

/// The colour bar: a viridis gradient (low at the bottom) beside the plot, with its own nice ticks.
void draw_colour_bar(std::string& out, const Chart& chart, const Layout& L) {
  const Axis& ca = L.ca;
  const double bx = L.plot_right + kBarGap;
  out += "<g class=\"colour-bar\">\n";
  out += "<defs><linearGradient id=\"rateopt-viridis\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int i = 0; i <= 10; ++i) {
    out += "<stop offset=\"" + px(i / 10.0) + "\" stop-color=\"" + viridis(i / 10.0) + "\"/>";
  }
  out += "</linearGradient></defs>\n";
  out += "<rect x=\"" + px(bx) + "\" y=\"" + px(L.plot_top) + "\" width=\"" + px(kBarWidth) + "\" height=\"" +
         px(L.plot_bottom - L.plot_top) + "\" fill=\"url(#rateopt-viridis)\" stroke=\"" + kAxisColour +
         "\" stroke-width=\"0.5\"/>\n";
  out += "<g stroke=\"" + std::string(kAxisColour) + "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n";
  for (const double t : ca.ticks.ticks) {
    line(out, bx + kBarWidth, crisp(ca.map(t)), bx + kBarWidth + kTickLength, crisp(ca.map(t)), "");
  }
  out += "</g>\n";
  for (size_t i = 0; i < ca.labels.size(); ++i) {
    text(out, "colour-tick-label", bx + kBarWidth + kTickLength + 4, ca.map(ca.ticks.ticks[i]) + kTickSize * 0.35,
         ca.labels[i], "font-size=\"" + px(kTickSize) + "\" fill=\"" + kTickTextColour + "\"");
  }
  if (!chart.colour_label.empty()) {
    const double lx = bx + kBarWidth + kTickLength + 4 + ca.max_label_width + 10 + kLabelSize * 0.8;
    out += "<text class=\"colour-label\" x=\"0\" y=\"0\" transform=\"translate(" + px(lx) + " " +
           px((L.plot_top + L.plot_bottom) / 2) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"" +
           px(kLabelSize) + "\" fill=\"" + kTextColour + "\">" + escape(chart.colour_label) + "</text>\n";
  }
  out += "</g>\n";
}

}  // namespace

std::string render_svg(const Chart& chart, int width, int height) {
  check_chart(chart, width, height);
  const Layout L = lay_out(chart, data_ranges(chart), width, height);
  std::string out;
  out.reserve(16384);
  draw_document_start(out, chart, width, height);
  draw_axes(out, L);
  draw_titles(out, chart, L);
  for (size_t i = 0; i < chart.series.size(); ++i) draw_series(out, chart.series[i], series_colour(chart, i), L);
  if (!L.has_data) {
    text(out, "no-data", L.plot_mid_x, (L.plot_top + L.plot_bottom) / 2, "No data",
         "text-anchor=\"middle\" font-size=\"" + px(kLabelSize) + "\" fill=\"#999999\"");
  }
  // Labels go above every marker, on whichever side of its point hides the least.
  const std::vector<Placed> placed = draw_markers(out, chart, L);
  draw_marker_labels(out, placed, obstacles(chart, L), L);
  if (L.legend) draw_legend(out, chart, L);
  if (L.colour_bar) draw_colour_bar(out, chart, L);
  out += "</svg>\n";
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Bar panels (render_bar_svg)

namespace {

constexpr size_t kMaxCategoryChars = 24;
constexpr double kPanelGap = 18;

void check_bar_panels(const std::vector<BarPanel>& panels, int width) {
  if (width < 320) throw std::invalid_argument("render_bar_svg: the chart must be at least 320 px wide");
  for (const BarPanel& p : panels)
    for (const BarSeries& s : p.series) {
      const size_t n = p.categories.size();
      for (const std::vector<double>* v : {&s.values, &s.range_lo, &s.range_hi, &s.box_lo, &s.box_hi})
        if (v != &s.values && v->empty())
          continue;
        else if (v->size() != n)
          throw std::invalid_argument("render_bar_svg: series '" + s.name + "' of panel '" + p.title + "' has " +
                                      std::to_string(v->size()) + " values for " + std::to_string(n) + " categories");
    }
}

/// A category label cut to kMaxCategoryChars characters ("…" marking the cut), "(blank)" for "".
std::string category_label(const std::string& s) {
  if (s.empty()) return "(blank)";
  const std::vector<char32_t> cps = decode_utf8(s);
  if (cps.size() <= kMaxCategoryChars) return s;
  std::string out;
  for (size_t i = 0; i + 1 < kMaxCategoryChars; ++i) append_utf8(out, cps[i]);
  append_utf8(out, U'\u2026');
  return out;
}

/// The y range of a panel: zero, every value and every range.
Range bar_range(const BarPanel& p) {
  Range r;
  r.add(0);
  for (const BarSeries& s : p.series)
    for (const std::vector<double>* v : {&s.values, &s.range_lo, &s.range_hi, &s.box_lo, &s.box_hi})
      for (double x : *v) r.add(x);
  return r;
}

/// Where a panel's pieces go across the chart, and the room its category labels take below the plot.
struct PanelGeometry {
  std::vector<std::string> labels;
  Axis ya;
  double plot_left = 0, plot_right = 0, slot = 0, label_room = 0;
  bool turned = false;  ///< category labels at −45° (they do not fit side by side)
};

PanelGeometry panel_geometry(const BarPanel& p, double width) {
  PanelGeometry g;
  double widest = 0;
  for (const std::string& c : p.categories) {
    g.labels.push_back(category_label(c));
    widest = std::max(widest, text_width(g.labels.back(), kTickSize));
  }
  g.ya = make_axis(bar_range(p), 5, kTickSize);
  g.plot_left = kPad + (p.y_label.empty() ? 0 : kLabelSize + 10) + g.ya.max_label_width + kTickLength + 4;
  g.plot_right = width - kPad;
  g.slot = (g.plot_right - g.plot_left) / static_cast<double>(std::max<size_t>(1, p.categories.size()));
  g.turned = widest + 6 > g.slot;
  g.label_room = g.turned ? widest * 0.71 + kTickSize + 8 : kTickSize + 10;
  return g;
}

/// One panel drawn with its top-left corner at (0, top): title line, plot_height of plot, category labels.
/// Returns its height.
double draw_bar_panel(std::string& out, const BarPanel& p, double width, double top, double plot_height) {
  PanelGeometry g = panel_geometry(p, width);
  const std::vector<std::string>& labels = g.labels;
  Axis& ya = g.ya;
  const double plot_left = g.plot_left, plot_right = g.plot_right, slot = g.slot;
  const bool turned = g.turned;
  double y = top + kTitleSize;
  text(out, "panel-title", plot_left, y, p.title,
       "font-size=\"" + px(kLabelSize) + "\" font-weight=\"bold\" fill=\"" + kTextColour + "\"");
  if (p.series.size() > 1) {  // legend on the title's line, right-aligned
    double x = plot_right;
    out += "<g class=\"legend\" font-size=\"" + px(kLegendSize) + "\" fill=\"" + kTextColour + "\">\n";
    for (size_t k = p.series.size(); k-- > 0;) {
      const std::string colour = p.series[k].colour.empty() ? kPalette[k % kPalette.size()] : p.series[k].colour;
      x -= text_width(p.series[k].name, kLegendSize);
      text(out, "legend-label", x, y, p.series[k].name);
      x -= 16;
      out += "<rect x=\"" + px(x) + "\" y=\"" + px(y - 10) + "\" width=\"11\" height=\"11\" fill=\"" + escape(colour) +
             "\"/>\n";
      x -= kEntryGap;
    }
    out += "</g>\n";
  }
  const double plot_top = y + 12, plot_bottom = plot_top + plot_height;
  ya.p0 = plot_bottom - kInnerPad;
  ya.p1 = plot_top + kInnerPad;
  out += "<g class=\"grid\" stroke=\"" + std::string(kGridColour) +
         "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n";
  for (const double t : ya.ticks.ticks) line(out, plot_left, crisp(ya.map(t)), plot_right, crisp(ya.map(t)), "");
  out += "</g>\n";
  for (size_t i = 0; i < ya.labels.size(); ++i)
    text(out, "y-tick-label", plot_left - kTickLength - 4, ya.map(ya.ticks.ticks[i]) + kTickSize * 0.35, ya.labels[i],
         "text-anchor=\"end\" font-size=\"" + px(kTickSize) + "\" fill=\"" + kTickTextColour + "\"");
  if (!p.y_label.empty())
    out += "<text class=\"y-label\" x=\"0\" y=\"0\" transform=\"translate(" + px(kPad + kLabelSize * 0.8) + " " +
           px((plot_top + plot_bottom) / 2) + ") rotate(-90)\" text-anchor=\"middle\" font-size=\"" + px(kTickSize) +
           "\" fill=\"" + kTextColour + "\">" + escape(p.y_label) + "</text>\n";
  const double zero = ya.map(0);
  const double group = slot * 0.8, bar = group / static_cast<double>(std::max<size_t>(1, p.series.size()));
  for (size_t k = 0; k < p.series.size(); ++k) {
    const BarSeries& s = p.series[k];
    const std::string colour = escape(s.colour.empty() ? kPalette[k % kPalette.size()] : s.colour);
    out += "<g class=\"bar-series\">\n<title>" + escape(s.name) + "</title>\n";
    for (size_t c = 0; c < p.categories.size(); ++c) {
      const double x0 = plot_left + slot * c + (slot - group) / 2 + bar * k, mid = x0 + bar / 2;
      if (std::isfinite(s.values[c])) {
        const double yv = ya.map(s.values[c]);
        out += "<rect class=\"bar\" x=\"" + px(x0 + 0.5) + "\" y=\"" + px(std::min(yv, zero)) + "\" width=\"" +
               px(std::max(bar - 1, 0.5)) + "\" height=\"" + px(std::max(std::abs(zero - yv), 0.5)) + "\" fill=\"" +
               colour + "\"/>\n";
      }
      if (!s.range_lo.empty() && std::isfinite(s.range_lo[c]) && std::isfinite(s.range_hi[c])) {
        const double cap = std::min(bar * 0.25, 5.0);
        out += "<g class=\"range\" stroke=\"#333333\" stroke-width=\"1.2\">\n";
        line(out, mid, ya.map(s.range_lo[c]), mid, ya.map(s.range_hi[c]), "");
        line(out, mid - cap, ya.map(s.range_lo[c]), mid + cap, ya.map(s.range_lo[c]), "");
        line(out, mid - cap, ya.map(s.range_hi[c]), mid + cap, ya.map(s.range_hi[c]), "");
        if (!s.box_lo.empty() && std::isfinite(s.box_lo[c]) && std::isfinite(s.box_hi[c]))
          line(out, mid, ya.map(s.box_lo[c]), mid, ya.map(s.box_hi[c]), "stroke-width=\"4\"");
        out += "</g>\n";
      }
    }
    out += "</g>\n";
  }
  out += "<g stroke=\"" + std::string(kAxisColour) + "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n";
  line(out, crisp(plot_left), plot_top, crisp(plot_left), plot_bottom, "");
  line(out, plot_left, crisp(zero), plot_right, crisp(zero), "");
  out += "</g>\n";
  for (size_t c = 0; c < labels.size(); ++c) {
    const double mid = plot_left + slot * (c + 0.5), ly = plot_bottom + kTickSize + 2;
    const std::string common = "font-size=\"" + px(kTickSize) + "\" fill=\"" + kTickTextColour + "\"";
    if (turned)
      text(out, "category-label", mid, ly, labels[c],
           "text-anchor=\"end\" transform=\"rotate(-45 " + px(mid) + " " + px(ly) + ")\" " + common);
    else
      text(out, "category-label", mid, ly, labels[c], "text-anchor=\"middle\" " + common);
  }
  return plot_bottom + g.label_room - top;
}

}  // namespace

std::string render_bar_svg(const std::string& title, const std::vector<BarPanel>& panels, int width, int panel_height) {
  check_bar_panels(panels, width);
  // each panel: its title line, the plot, and the room its category labels need
  const double title_line = kTitleSize + 12;
  double total = kPad + (title.empty() ? 0 : kTitleSize + 10);
  for (const BarPanel& p : panels) total += title_line + panel_height + panel_geometry(p, width).label_room + kPanelGap;
  const int height = static_cast<int>(std::ceil(std::max(total + kPad, 120.0)));
  Chart document;
  document.title = title;
  std::string out;
  draw_document_start(out, document, width, height);
  double top = kPad;
  if (!title.empty()) {
    text(out, "title", width / 2.0, top + kTitleSize * 0.8, title,
         "text-anchor=\"middle\" font-size=\"" + px(kTitleSize) + "\" font-weight=\"bold\" fill=\"#111111\"");
    top += kTitleSize + 10;
  }
  if (panels.empty())
    text(out, "no-data", width / 2.0, top + 40, "No data",
         "text-anchor=\"middle\" font-size=\"" + px(kLabelSize) + "\" fill=\"#999999\"");
  for (size_t k = 0; k < panels.size(); ++k) {
    out += "<g class=\"panel\">\n";
    top += draw_bar_panel(out, panels[k], width, top, panel_height) + kPanelGap;
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace rateopt
