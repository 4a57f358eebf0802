// SVG charts (SPEC §2): well-formed standalone documents, nice ticks, escaped text, degenerate data,
// and a real render by rsvg-convert at the requested size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli_runner.hpp"
#include "io/chart.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

using test::read_text_file;
using test::scratch_dir;
using test::write_text_file;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------------
// A strict little XML checker: one root element, balanced and properly nested tags, quoted and
// unique attributes, no '<' in attribute values, only the five predefined or numeric entity
// references, valid UTF-8 and no control characters.  Enough to reject anything a real parser
// would reject in the documents render_svg writes (no DOCTYPE, CDATA or processing instructions
// besides the declaration).

bool valid_utf8(const std::string& s, std::string* why) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80                   ? 1
                 : (b >= 0xC2 && b <= 0xDF) ? 2
                 : (b >= 0xE0 && b <= 0xEF) ? 3
                 : (b >= 0xF0 && b <= 0xF4) ? 4
                                            : 0;
    if (len == 0 || i + len > s.size()) {
      *why = "invalid UTF-8 at byte " + std::to_string(i);
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        *why = "invalid UTF-8 at byte " + std::to_string(i);
        return false;
      }
    }
    if (len == 1 && b < 0x20 && b != '\n' && b != '\r' && b != '\t') {
      *why = "control character at byte " + std::to_string(i);
      return false;
    }
    i += len;
  }
  return true;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.';
}

// Checks the entity references in character data or an attribute value.
bool valid_references(const std::string& s, std::string* why) {
  for (size_t i = s.find('&'); i != std::string::npos; i = s.find('&', i + 1)) {
    const size_t semi = s.find(';', i);
    if (semi == std::string::npos) {
      *why = "unterminated '&' reference";
      return false;
    }
    const std::string ref = s.substr(i + 1, semi - i - 1);
    static const std::set<std::string> named = {"amp", "lt", "gt", "quot", "apos"};
    bool ok = named.count(ref) > 0;
    if (!ok && ref.size() > 1 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string digits = ref.substr(hex ? 2 : 1);
      ok = !digits.empty() &&
           digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos;
    }
    if (!ok) {
      *why = "bad reference &" + ref + ";";
      return false;
    }
  }
  return true;
}

::testing::AssertionResult well_formed_xml(const std::string& doc) {
  std::string why;
  auto fail = [&](const std::string& msg, size_t at) {
    return ::testing::AssertionFailure() << msg << " at byte " << at << ": ..." << doc.substr(at, 60);
  };
  if (!valid_utf8(doc, &why)) return ::testing::AssertionFailure() << why;
  if (doc.rfind("<?xml version=\"1.0\"", 0) != 0) return fail("no XML declaration", 0);
  size_t i = doc.find("?>");
  if (i == std::string::npos) return fail("unterminated declaration", 0);
  i += 2;
  std::vector<std::string> stack;
  int roots = 0;
  const size_t n = doc.size();
  while (i < n) {
    if (doc[i] != '<') {
      const size_t next = doc.find('<', i);
      const std::string chars = doc.substr(i, (next == std::string::npos ? n : next) - i);
      if (stack.empty() && chars.find_first_not_of(" \t\r\n") != std::string::npos) {
        return fail("text outside the root element", i);
      }
      if (!valid_references(chars, &why)) return fail(why, i);
      if (chars.find("]]>") != std::string::npos) return fail("']]>' in text", i);
      i = next == std::string::npos ? n : next;
      continue;
    }
    if (doc.compare(i, 4, "<!--") == 0) {
      const size_t end = doc.find("-->", i + 4);
      if (end == std::string::npos) return fail("unterminated comment", i);
      i = end + 3;
      continue;
    }
    if (doc.compare(i, 2, "<?") == 0 || doc.compare(i, 2, "<!") == 0) return fail("unexpected markup", i);
    const bool closing = doc.compare(i, 2, "</") == 0;
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < n && is_name_char(doc[j])) ++j;
    const std::string name = doc.substr(name_start, j - name_start);
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-' || name[0] == '.') {
      return fail("bad tag name", i);
    }
    if (closing) {
      while (j < n && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= n || doc[j] != '>') return fail("bad end tag", i);
      if (stack.empty() || stack.back() != name) return fail("mismatched end tag </" + name + ">", i);
      stack.pop_back();
      i = j + 1;
      continue;
    }
    if (stack.empty() && ++roots > 1) return fail("second root element", i);
    std::set<std::string> attributes;
    bool self_closing = false;
    for (;;) {
      const size_t before_space = j;
      while (j < n && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= n) return fail("unterminated start tag", i);
      if (doc[j] == '>') {
        ++j;
        break;
      }
      if (doc.compare(j, 2, "/>") == 0) {
        j += 2;
        self_closing = true;
        break;
      }
      if (j == before_space) return fail("no space before an attribute", j);
      const size_t attr_start = j;
      while (j < n && is_name_char(doc[j])) ++j;
      const std::string attr = doc.substr(attr_start, j - attr_start);
      if (attr.empty()) return fail("bad attribute name", j);
      if (!attributes.insert(attr).second) return fail("duplicate attribute " + attr, j);
      while (j < n && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= n || doc[j] != '=') return fail("attribute without '='", j);
      ++j;
      while (j < n && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= n || (doc[j] != '"' && doc[j] != '\'')) return fail("unquoted attribute value", j);
      const char quote = doc[j];
      const size_t end = doc.find(quote, j + 1);
      if (end == std::string::npos) return fail("unterminated attribute value", j);
      const std::string value = doc.substr(j + 1, end - j - 1);
      if (value.find('<') != std::string::npos) return fail("'<' in an attribute value", j);
      if (!valid_references(value, &why)) return fail(why, j);
      j = end + 1;
    }
    if (!self_closing) stack.push_back(name);
    i = j;
  }
  if (!stack.empty()) return ::testing::AssertionFailure() << "unclosed <" << stack.back() << ">";
  if (roots != 1) return ::testing::AssertionFailure() << "no root element";
  return ::testing::AssertionSuccess();
}

/// Writes the SVG to dir/name.svg, checks it with the checker above and with xmllint when present.
std::filesystem::path write_checked(const std::string& svg, const std::string& name) {
  EXPECT_TRUE(well_formed_xml(svg)) << name;
  const std::filesystem::path file = scratch_dir() / (name + ".svg");
  write_text_file(file, svg);
  if (test::have_tool("xmllint")) {
    EXPECT_EQ(test::run_tool({"xmllint", "--noout", file.string()}), 0) << "xmllint rejects " << file;
  }
  return file;
}

// ---------------------------------------------------------------------------------------------------
// Reading the document back

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> refs[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [ref, ch] : refs) {
    for (size_t p = s.find(ref); p != std::string::npos; p = s.find(ref, p + 1))
      s.replace(p, std::string(ref).size(), ch);
  }
  return s;
}

/// The texts of the <text class="cls"> elements, unescaped, in document order.
std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  const std::string key = "<text class=\"" + cls + "\"";
  for (size_t p = svg.find(key); p != std::string::npos; p = svg.find(key, p + 1)) {
    const size_t open_end = svg.find('>', p);
    const size_t close = svg.find("</text>", open_end);
    out.push_back(unescape(svg.substr(open_end + 1, close - open_end - 1)));
  }
  return out;
}

double parse_label(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  size_t used = 0;
  const double v = std::stod(s, &used);
  EXPECT_EQ(used, s.size()) << "tick label '" << s << "' is not a number";
  return v;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t c = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++c;
  return c;
}

/// step is 1, 2 or 5 times a power of ten.
bool is_nice_step(double step) {
  if (!(step > 0)) return false;
  const double mag = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double f = step / mag;
  return std::abs(f - 1) < 1e-6 || std::abs(f - 2) < 1e-6 || std::abs(f - 5) < 1e-6;
}

/// The ticks are evenly spaced by a nice step, each a multiple of it, and cover [lo, hi].
::testing::AssertionResult nice_and_covering(const std::vector<double>& ticks, double lo, double hi) {
  if (ticks.size() < 2) return ::testing::AssertionFailure() << "fewer than two ticks";
  const double step = ticks[1] - ticks[0];
  if (!is_nice_step(step)) return ::testing::AssertionFailure() << "step " << step << " is not 1, 2 or 5 x 10^k";
  for (size_t i = 0; i < ticks.size(); ++i) {
    if (std::abs(ticks[i] - (ticks[0] + i * step)) > 1e-6 * step) {
      return ::testing::AssertionFailure() << "tick " << i << " = " << ticks[i] << " is off the step " << step;
    }
    const double k = ticks[i] / step;
    if (std::abs(k - std::round(k)) > 1e-6) {
      return ::testing::AssertionFailure() << "tick " << ticks[i] << " is not a multiple of " << step;
    }
  }
  const double tol = 1e-9 * std::max({std::abs(lo), std::abs(hi), step});
  if (ticks.front() > lo + tol || ticks.back() < hi - tol) {
    return ::testing::AssertionFailure() << "ticks [" << ticks.front() << ", " << ticks.back() << "] miss the data ["
                                         << lo << ", " << hi << "]";
  }
  if (ticks.front() <= lo - step - tol || ticks.back() >= hi + step + tol) {
    return ::testing::AssertionFailure() << "ticks [" << ticks.front() << ", " << ticks.back()
                                         << "] extend a whole step past the data [" << lo << ", " << hi << "]";
  }
  return ::testing::AssertionSuccess();
}

std::vector<double> parse_labels(const std::vector<std::string>& labels) {
  std::vector<double> v;
  for (const std::string& s : labels) v.push_back(parse_label(s));
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Sample charts

ChartSeries make_series(const std::string& name, std::vector<double> x, std::vector<double> y) {
  ChartSeries s;
  s.name = name;
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

/// An efficient frontier over retention_min 0.70 .. 0.88; the last point is infeasible (NaN).
Chart frontier_chart() {
  Chart c;
  c.title = "Efficient frontier: profit against retention";
  c.x_label = "Renewal retention";
  c.y_label = "Expected profit";
  ChartSeries s;
  s.name = "frontier";
  for (int i = 0; i <= 9; ++i) {
    const double r = 0.70 + 0.02 * i;
    s.x.push_back(r);
    s.y.push_back(i == 9 ? kNaN : 4'215'300.0 - 2.6e7 * (r - 0.70) * (r - 0.70) - 1.1e6 * (r - 0.70));
  }
  c.series.push_back(s);
  c.markers.push_back({0.78, 4'215'300.0 - 2.6e7 * 0.0064 - 1.1e6 * 0.08, "Chosen: retention 0.78"});
  return c;
}

/// A Pareto scatter: profit against retention, coloured by disparity.
Chart pareto_chart() {
  Chart c;
  c.title = "Pareto set: profit, retention and premium disparity";
  c.x_label = "Renewal retention";
  c.y_label = "Expected profit";
  c.colour_label = "Premium disparity";
  ChartSeries s;
  s.name = "non-dominated";
  s.line = false;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 5; ++j) {
      const double r = 0.74 + 0.015 * i + 0.002 * j;
      s.x.push_back(r);
      s.y.push_back(3.9e6 - 1.8e7 * (r - 0.74) * (r - 0.74) - 60'000.0 * j);
      s.colour_value.push_back(1.05 + 0.03 * j + 0.004 * i);
    }
  }
  s.colour_value.front() = 1.0;  // nice ends, so that they are the ends of the colour scale
  s.colour_value.back() = 1.2;
  s.colour_value[3] = kNaN;  // a point without a disparity is grey, not an error
  c.series.push_back(s);
  c.markers.push_back({s.x[17], s.y[17], "TOPSIS"});
  return c;
}

struct PngSize {
  uint32_t width = 0, height = 0;
  uintmax_t bytes = 0;
};

/// Renders the SVG with rsvg-convert and reads the PNG's IHDR.
PngSize render_png(const std::filesystem::path& svg) {
  PngSize out;
  const std::filesystem::path png = std::filesystem::path(svg).replace_extension(".png");
  const std::vector<std::string> cmd = {"rsvg-convert", "-f", "png", "-o", png.string(), svg.string()};
  const int rc = test::run_tool(cmd);
  EXPECT_EQ(rc, 0) << test::command_line(cmd);
  if (rc != 0) return out;
  const std::string data = read_text_file(png);
  EXPECT_GE(data.size(), 33u);
  if (data.size() < 33) return out;
  EXPECT_EQ(data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png << " is not a PNG";
  EXPECT_EQ(data.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(data[at + k]);
    return v;
  };
  out.width = be32(16);
  out.height = be32(20);
  out.bytes = data.size();
  return out;
}

// ---------------------------------------------------------------------------------------------------

TEST(Chart, NiceTicksAreNiceAndCoverTheRange) {
  const std::vector<std::pair<double, double>> ranges = {
      {0, 1},   {0.7812, 0.7830}, {0.62, 0.68}, {3'561'000, 4'215'300}, {-125'000, 2'400'000}, {1e-7, 3e-7},
      {-5, -1}, {12.5, 987.3},    {0.05, 0.95}, {1e12, 3.3e12},         {-0.03, 0.021},        {99.9, 100.1}};
  for (const auto& [lo, hi] : ranges) {
    for (const int target : {2, 4, 6, 10}) {
      const std::vector<double> ticks = nice_ticks(lo, hi, target);
      EXPECT_TRUE(nice_and_covering(ticks, lo, hi)) << "[" << lo << ", " << hi << "] target " << target;
      EXPECT_LE(ticks.size(), static_cast<size_t>(2 * target + 3)) << "[" << lo << ", " << hi << "]";
    }
  }
  // Reversed bounds, one value, nothing finite.
  EXPECT_TRUE(nice_and_covering(nice_ticks(10, 2), 2, 10));
  for (const double v : {0.0, 0.7812, -3.0, 4'215'300.0, 1e-9}) {
    const std::vector<double> ticks = nice_ticks(v, v);
    EXPECT_GE(ticks.size(), 2u);
    EXPECT_LT(ticks.front(), v);
    EXPECT_GT(ticks.back(), v);
    EXPECT_TRUE(is_nice_step(ticks[1] - ticks[0]));
  }
  const std::vector<double> none = nice_ticks(kNaN, kNaN);
  EXPECT_TRUE(nice_and_covering(none, 0, 1));
  // Decimal ticks are the nearest doubles, so they print and compare cleanly.
  const std::vector<double> tenths = nice_ticks(0, 1, 10);
  ASSERT_EQ(tenths.size(), 11u);
  EXPECT_EQ(tenths[3], 0.3);
  EXPECT_EQ(tenths[7], 0.7);
}

TEST(Chart, TickLabelsHaveSeparatorsAndEnoughDecimals) {
  EXPECT_EQ(format_tick(1'250'000, 250'000), "1,250,000");
  EXPECT_EQ(format_tick(-1'000, 500), "-1,000");
  EXPECT_EQ(format_tick(999, 1), "999");
  EXPECT_EQ(format_tick(0.7812, 0.0002), "0.7812");
  EXPECT_EQ(format_tick(0.78, 0.0002), "0.7800");
  EXPECT_EQ(format_tick(0.3, 0.1), "0.3");
  EXPECT_EQ(format_tick(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(format_tick(0.65, 0.05), "0.65");
  EXPECT_EQ(format_tick(12'345.5, 0.5), "12,345.5");
  EXPECT_EQ(format_tick(-1e-17, 0.1), "0.0");
  EXPECT_EQ(format_tick(-0.0, 1), "0");
  EXPECT_EQ(format_tick(2e-10, 1e-10), "2e-10");
  EXPECT_EQ(format_tick(1.5e20, 5e19), "1.5e+20");
}

TEST(Chart, FrontierChartIsCompleteAndWellFormed) {
  const Chart chart = frontier_chart();
  const std::string svg = render_svg(chart);
  write_checked(svg, "frontier");

  EXPECT_EQ(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"", 0), 0u);
  EXPECT_NE(svg.find("width=\"900\" height=\"560\" viewBox=\"0 0 900 560\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#ffffff\""), std::string::npos);  // white background
  EXPECT_EQ(texts_of_class(svg, "title"), std::vector<std::string>{chart.title});
  EXPECT_EQ(texts_of_class(svg, "x-label"), std::vector<std::string>{chart.x_label});
  EXPECT_EQ(texts_of_class(svg, "y-label"), std::vector<std::string>{chart.y_label});
  EXPECT_EQ(texts_of_class(svg, "marker-label"), std::vector<std::string>{"Chosen: retention 0.78"});
  EXPECT_EQ(count(svg, "class=\"marker\""), 1u);
  EXPECT_TRUE(texts_of_class(svg, "legend-label").empty()) << "one series needs no legend";
  EXPECT_EQ(svg.find("colour-bar"), std::string::npos);

  // Every tick label is there, the values are nice and cover the finite data.
  const std::vector<std::string> xl = texts_of_class(svg, "x-tick-label");
  const std::vector<std::string> yl = texts_of_class(svg, "y-tick-label");
  ASSERT_GE(xl.size(), 3u);
  ASSERT_GE(yl.size(), 3u);
  const double ymin = 4'215'300.0 - 2.6e7 * 0.0256 - 1.1e6 * 0.16;  // retention 0.86
  EXPECT_TRUE(nice_and_covering(parse_labels(xl), 0.70, 0.86));
  EXPECT_TRUE(nice_and_covering(parse_labels(yl), ymin, 4'215'300.0));
  for (const std::string& s : yl) {
    if (std::abs(parse_label(s)) >= 1000) {
      EXPECT_NE(s.find(','), std::string::npos) << s << ": no separators";
    }
  }
  for (const std::string& s : xl) EXPECT_EQ(s.find(','), std::string::npos) << s;
  // Each label's text appears verbatim in the document.
  for (const std::string& s : xl) EXPECT_NE(svg.find(">" + s + "<"), std::string::npos) << s;
  for (const std::string& s : yl) EXPECT_NE(svg.find(">" + s + "<"), std::string::npos) << s;

  // The NaN point is skipped: one unbroken line through the 9 finite points, 9 point markers.
  const size_t path = svg.find("class=\"series-line\" d=\"");
  ASSERT_NE(path, std::string::npos);
  const std::string d = svg.substr(path, svg.find('"', path + 23) - path);
  EXPECT_EQ(count(d, "M"), 1u);
  EXPECT_EQ(count(d, "L"), 8u);
  EXPECT_EQ(count(svg, "r=\"3.5\""), 9u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);

  // The same chart gives the same bytes.
  EXPECT_EQ(render_svg(chart), svg);
}

TEST(Chart, RatioTicksKeepTheirDecimals) {
  Chart chart;
  chart.x_label = "Loss ratio";
  chart.y_label = "Profit";
  chart.series.push_back(make_series("lr", {0.7812, 0.7818, 0.7824, 0.7830}, {1.0e6, 1.2e6, 1.3e6, 1.35e6}));
  const std::string svg = render_svg(chart);
  write_checked(svg, "ratio");
  const std::vector<std::string> xl = texts_of_class(svg, "x-tick-label");
  EXPECT_TRUE(nice_and_covering(parse_labels(xl), 0.7812, 0.7830));
  for (const std::string& s : xl) EXPECT_EQ(s.size(), 6u) << s << ": want 0.78xx";
}

TEST(Chart, TextIsEscaped) {
  Chart chart;
  chart.title = "<Profit & Loss> \"quoted\" 'single'";
  chart.x_label = "a < b";
  chart.y_label = "R&D";
  chart.colour_label = "x>y";
  chart.series.push_back(make_series("A&B", {1, 2}, {3, 4}));
  chart.series.push_back(make_series("bad \xff utf-8 \x01 control", {1, 2}, {4, 3}));
  chart.series.back().colour_value = {0.1, 0.2};
  chart.markers.push_back({1.5, 3.5, "<chosen>"});
  const std::string svg = render_svg(chart);
  write_checked(svg, "escaped");
  EXPECT_NE(svg.find("&lt;Profit &amp; Loss&gt; &quot;quoted&quot; &#39;single&#39;"), std::string::npos);
  EXPECT_EQ(svg.find("<Profit"), std::string::npos);
  EXPECT_EQ(svg.find("<chosen>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;chosen&gt;"), std::string::npos);
  EXPECT_EQ(texts_of_class(svg, "title"), std::vector<std::string>{chart.title});
  EXPECT_EQ(texts_of_class(svg, "x-label"), std::vector<std::string>{"a < b"});
  EXPECT_EQ(texts_of_class(svg, "marker-label"), std::vector<std::string>{"<chosen>"});
  const std::vector<std::string> legend = texts_of_class(svg, "legend-label");
  ASSERT_EQ(legend.size(), 2u);
  EXPECT_EQ(legend[0], "A&B");
  EXPECT_EQ(legend[1], "bad \xEF\xBF\xBD utf-8   control");  // U+FFFD for the bad byte, a space for ^A
}

TEST(Chart, DegenerateDataStillGivesAValidChart) {
  std::vector<std::pair<std::string, Chart>> charts;
  Chart empty;
  charts.emplace_back("empty", empty);
  Chart one = frontier_chart();
  one.series[0].x = {0.8};
  one.series[0].y = {3.9e6};
  one.markers = {{0.8, 3.9e6, "only point"}};
  charts.emplace_back("one_point", one);
  Chart flat = frontier_chart();
  flat.series[0].x.assign(5, 0.75);
  flat.series[0].y.assign(5, 0.0);
  charts.emplace_back("all_equal", flat);
  Chart nan = frontier_chart();
  nan.series[0].x.assign(3, kNaN);
  nan.series[0].y = {1, kNaN, std::numeric_limits<double>::infinity()};
  nan.markers[0] = {kNaN, 1, "nowhere"};
  charts.emplace_back("all_nan", nan);
  Chart huge;
  huge.series.push_back(make_series("huge", {-1e308, 1e308}, {std::numeric_limits<double>::max(), 0}));
  charts.emplace_back("huge", huge);
  Chart flat_colour = pareto_chart();
  flat_colour.series[0].colour_value.assign(flat_colour.series[0].x.size(), 1.2);
  charts.emplace_back("flat_colour", flat_colour);

  for (const auto& [name, chart] : charts) {
    SCOPED_TRACE(name);
    std::string svg;
    ASSERT_NO_THROW(svg = render_svg(chart, 640, 400));
    const std::filesystem::path file = write_checked(svg, name);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
    EXPECT_GE(texts_of_class(svg, "x-tick-label").size(), 2u);
    EXPECT_GE(texts_of_class(svg, "y-tick-label").size(), 2u);
    const PngSize png = render_png(file);
    EXPECT_EQ(png.width, 640u);
    EXPECT_EQ(png.height, 400u);
  }
  // One point: the ticks surround it.
  const std::string svg = render_svg(charts[1].second);
  const std::vector<double> ys = parse_labels(texts_of_class(svg, "y-tick-label"));
  EXPECT_LT(ys.front(), 3.9e6);
  EXPECT_GT(ys.back(), 3.9e6);
  EXPECT_NE(texts_of_class(render_svg(empty), "no-data").size(), 0u);
}

TEST(Chart, NanBreaksTheLine) {
  Chart chart;
  chart.series.push_back(make_series("gappy", {1, 2, kNaN, 4, 5, 6}, {1, 2, 3, 4, kNaN, 6}));
  const std::string svg = render_svg(chart);
  write_checked(svg, "gappy");
  const size_t path = svg.find("class=\"series-line\" d=\"");
  ASSERT_NE(path, std::string::npos);
  const std::string d = svg.substr(path + 23, svg.find('"', path + 23) - path - 23);
  EXPECT_EQ(count(d, "M"), 3u) << d;  // {1,2} {4} {6}
  EXPECT_EQ(count(d, "L"), 1u) << d;
  EXPECT_EQ(count(svg, "<circle"), 4u);
  // Without point markers the isolated points still show, as dots.
  chart.series[0].markers = false;
  const std::string dots = render_svg(chart);
  EXPECT_TRUE(well_formed_xml(dots));
  EXPECT_EQ(count(dots, "<circle"), 2u);
}

TEST(Chart, ParetoScatterHasAColourBarAndLegend) {
  Chart chart = pareto_chart();
  std::string svg = render_svg(chart);
  write_checked(svg, "pareto");
  EXPECT_NE(svg.find("class=\"colour-bar\""), std::string::npos);
  EXPECT_NE(svg.find("<linearGradient"), std::string::npos);
  EXPECT_EQ(texts_of_class(svg, "colour-label"), std::vector<std::string>{"Premium disparity"});
  const std::vector<std::string> cl = texts_of_class(svg, "colour-tick-label");
  EXPECT_TRUE(nice_and_covering(parse_labels(cl), 1.0, 1.2));
  EXPECT_EQ(cl.front(), "1.00");
  EXPECT_EQ(cl.back(), "1.20");
  EXPECT_EQ(svg.find("series-line"), std::string::npos) << "line = false draws no line";
  EXPECT_NE(svg.find("fill=\"#bbbbbb\""), std::string::npos) << "a NaN colour value is grey";
  EXPECT_NE(svg.find("fill=\"#440154\""), std::string::npos) << "the lowest disparity is the bottom of viridis";
  EXPECT_NE(svg.find("fill=\"#fde725\""), std::string::npos) << "the highest, the top";
  EXPECT_TRUE(texts_of_class(svg, "legend-label").empty());

  // A second series brings a legend naming both.
  ChartSeries frontier;
  frontier.name = "frontier at fairness_max = 1.10";
  frontier.x = {0.74, 0.80, 0.86};
  frontier.y = {3.9e6, 3.8e6, 3.6e6};
  chart.series.push_back(frontier);
  svg = render_svg(chart);
  write_checked(svg, "pareto_legend");
  EXPECT_EQ(texts_of_class(svg, "legend-label"),
            (std::vector<std::string>{"non-dominated", "frontier at fairness_max = 1.10"}));
}

TEST(Chart, RendersWithRsvgConvert) {
  ASSERT_TRUE(test::have_tool("rsvg-convert")) << "rsvg-convert is missing: run scripts/setup.sh (librsvg2-bin)";
  const PngSize frontier = render_png(write_checked(render_svg(frontier_chart()), "frontier"));
  EXPECT_EQ(frontier.width, 900u);
  EXPECT_EQ(frontier.height, 560u);
  const PngSize pareto = render_png(write_checked(render_svg(pareto_chart(), 1000, 620), "pareto"));
  EXPECT_EQ(pareto.width, 1000u);
  EXPECT_EQ(pareto.height, 620u);

  // Not blank: a white page of the same size compresses to almost nothing, the empty chart (axes
  // and ticks only) to more, the chart with data to more again.
  const std::string blank_svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" "
      "height=\"560\" viewBox=\"0 0 900 560\"><rect width=\"900\" height=\"560\" fill=\"#ffffff\"/></svg>\n";
  const PngSize blank = render_png(write_checked(blank_svg, "blank"));
  Chart axes_only = frontier_chart();
  axes_only.series.clear();
  axes_only.markers.clear();
  const PngSize empty = render_png(write_checked(render_svg(axes_only), "axes_only"));
  EXPECT_EQ(blank.width, 900u);
  EXPECT_GT(empty.bytes, 3 * blank.bytes) << "the empty chart's PNG is as small as a blank page";
  EXPECT_GT(frontier.bytes, empty.bytes + empty.bytes / 10) << "the series and marker add nothing to the PNG";
}

TEST(Chart, BarPanelsDrawEveryBarAndRangeAndRender) {
  std::vector<std::string> many;
  for (int i = 0; i < 30; ++i) many.push_back("a rather long level label " + std::to_string(i));
  BarSeries change{"mean change", {}, {}, {}, {}, {}, ""};
  for (int i = 0; i < 30; ++i) {
    change.values.push_back(i % 7 - 3.0);
    change.range_lo.push_back(i % 7 - 8.0);
    change.range_hi.push_back(i % 7 + 2.0);
    change.box_lo.push_back(i % 7 - 5.0);
    change.box_hi.push_back(i % 7 - 1.0);
  }
  change.values[4] = std::nan("");  // no bar there
  const BarSeries before{"before", {0.8, 0.7}, {}, {}, {}, {}, "#999999"};
  const BarSeries after{"after", {0.75, 0.72}, {}, {}, {}, {}, ""};
  const std::vector<BarPanel> panels{{"change <by> level", "change %", many, {change}},
                                     {"retention", "retention", {"north", "south"}, {before, after}}};
  const std::string svg = render_bar_svg("impact & more", panels);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("class=\"bar\""), 29u + 4u);  // every finite value, in both panels
  EXPECT_EQ(count("class=\"range\""), 30u);     // the ranges of the first panel, the NaN bar's included
  EXPECT_EQ(count("class=\"category-label\""), 32u);
  EXPECT_EQ(count("rotate(-45"), 30u);  // 30 long labels do not fit side by side; 2 short ones do
  EXPECT_EQ(count("class=\"panel\""), 2u);
  EXPECT_NE(svg.find("change &lt;by&gt; level"), std::string::npos);
  EXPECT_NE(svg.find("a rather long level lab\xE2\x80\xA6"), std::string::npos);  // cut to 24 characters
  const std::filesystem::path file = write_checked(svg, "bar_panels");
  if (test::have_tool("rsvg-convert")) {
    EXPECT_EQ(render_png(file).width, 900u);
  }
  EXPECT_THROW(render_bar_svg("x", {{"p", "", {"a", "b"}, {BarSeries{"s", {1.0}, {}, {}, {}, {}, ""}}}}),
               std::invalid_argument);
}

TEST(Chart, RejectsMismatchedSeriesAndTinyCanvases) {
  Chart chart;
  chart.series.push_back(make_series("bad", {1, 2, 3}, {1, 2}));
  EXPECT_THROW(render_svg(chart), std::invalid_argument);
  chart.series[0].y = {1, 2, 3};
  chart.series[0].colour_value = {1, 2};
  EXPECT_THROW(render_svg(chart), std::invalid_argument);
  chart.series[0].colour_value.clear();
  EXPECT_NO_THROW(render_svg(chart, 120, 120));
  EXPECT_THROW(render_svg(chart, 0, 560), std::invalid_argument);
  EXPECT_THROW(render_svg(chart, 900, -1), std::invalid_argument);
}

}  // namespace
}  // namespace rateopt
