// Writing an efficient frontier: frontier.csv, frontier.svg and result.json (SPEC §2).
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/chart.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"
#include "rateopt/sweep.hpp"
#include "sweeps/point_json.hpp"

namespace rateopt {

namespace {

using json = nlohmann::ordered_json;
using F = SummaryField;

// The swept quantity a point achieved (its x on the chart).
double achieved(const FrontierResult& f, const FrontierPoint& p) {
  switch (f.sweep) {
    case SweptConstraint::retention_min:
      return p.summary.retention;
    case SweptConstraint::gwp_min:
      return p.summary.gwp;
    case SweptConstraint::lr_max:
      break;
  }
  return p.summary.loss_ratio;
}

const char* axis_label(SweptConstraint sweep) {
  switch (sweep) {
    case SweptConstraint::retention_min:
      return "renewal retention";
    case SweptConstraint::gwp_min:
      return "expected GWP";
    case SweptConstraint::lr_max:
      break;
  }
  return "expected loss ratio";
}

}  // namespace

std::string frontier_json(const FrontierResult& f) {
  json points = json::array();
  for (const FrontierPoint& p : f.points) points.push_back(frontier_point_json(p));
  json j{{"sweep", to_string(f.sweep)},
         {"points", points},
         {"passes", f.passes},
         {"seconds", f.seconds},
         {"backend_used", f.backend_used},
         {"device_name", f.device_name},
         {"fallback_reason", f.fallback_reason.empty() ? json(nullptr) : json(f.fallback_reason)},
         {"warnings", f.warnings},
         {"rateopt", json{{"version", version_string()}, {"git_revision", git_revision()}}}};
  return j.dump(2);
}

std::string frontier_svg(const FrontierResult& f, const std::optional<double>& chosen_limit) {
  Chart chart;
  chart.title = std::string("Efficient frontier: expected profit against ") + axis_label(f.sweep);
  chart.x_label = axis_label(f.sweep);
  chart.x_label[0] = static_cast<char>(std::toupper(chart.x_label[0]));
  chart.y_label = "Expected profit";
  ChartSeries s;
  s.name = "optimal profit (converged points)";
  const FrontierPoint* mark = nullptr;
  for (const FrontierPoint& p : f.points) {
    if (!p.summary.converged) continue;
    s.x.push_back(achieved(f, p));
    s.y.push_back(p.summary.profit);
    // the chosen point: the user's own limit when given, otherwise the most profitable point
    const bool closer = chosen_limit
                            ? (!mark || std::fabs(p.epsilon - *chosen_limit) < std::fabs(mark->epsilon - *chosen_limit))
                            : (!mark || p.summary.profit > mark->summary.profit);
    if (closer) mark = &p;
  }
  chart.series.push_back(s);
  if (mark) {
    char limit[64];
    snprintf(limit, sizeof limit, "%.6g", mark->epsilon);
    ChartMarker m;
    m.x = achieved(f, *mark);
    m.y = mark->summary.profit;
    m.label = std::string(chosen_limit ? "chosen " : "best ") + to_string(f.sweep) + " " + limit + ": profit " +
              format_tick(mark->summary.profit, 1.0);
    chart.markers.push_back(m);
  }
  return render_svg(chart);
}

void write_frontier_outputs(const std::string& out_dir, const FrontierResult& f,
                            const std::optional<double>& chosen_limit, bool force) {
  OutputSet outputs(out_dir, {"frontier.csv", "frontier.svg", "result.json"}, force);
  std::string csv =
      "epsilon,converged,status,profit,gwp,loss_ratio,retention,shadow_price,shadow_price_unit,optimality_gap,"
      "passes,seconds\n";
  for (const FrontierPoint& p : f.points) {
    CsvRow row(csv);
    row.number(p.epsilon);
    put_summary(row, p.summary, {F::converged, F::status, F::profit, F::gwp, F::loss_ratio, F::retention});
    row.number(p.shadow_price).text(p.shadow_price_unit);
    put_summary(row, p.summary, {F::optimality_gap, F::passes, F::seconds});
  }
  outputs.write("frontier.csv", csv);
  outputs.write("frontier.svg", frontier_svg(f, chosen_limit));
  outputs.write("result.json", frontier_json(f) + "\n");
  outputs.commit();
}

}  // namespace rateopt
