// Writing a Pareto surface: pareto_surface.csv, pareto_front.csv, pareto.svg and result.json.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/chart.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/report.hpp"
#include "sweeps/point_json.hpp"

namespace rateopt {

namespace {

using json = nlohmann::ordered_json;
using F = SummaryField;

std::string points_csv(const ParetoResult& r, const std::vector<size_t>& which) {
  std::string csv =
      "x_limit,fairness_limit,status,converged,profit,retention,disparity,gwp,loss_ratio,on_front,"
      "topsis_choice,passes,seconds\n";
  for (size_t i : which) {
    const ParetoPoint& p = r.surface[i];
    CsvRow row(csv);
    row.number(p.x_limit).number(p.fairness_limit);
    put_summary(row, p.summary, {F::status, F::converged, F::profit, F::retention});
    row.number(p.disparity);
    put_summary(row, p.summary, {F::gwp, F::loss_ratio});
    row.integer(p.on_front ? 1 : 0).integer(r.choice && *r.choice == i ? 1 : 0);
    put_summary(row, p.summary, {F::passes, F::seconds});
  }
  return csv;
}

}  // namespace

std::string pareto_json(const ParetoResult& r) {
  json surface = json::array(), front = json::array();
  for (const ParetoPoint& p : r.surface) surface.push_back(pareto_point_json(p));
  for (size_t i : r.front) front.push_back(pareto_point_json(r.surface[i]));
  json j{{"sweep_x", to_string(r.sweep_x)},
         {"fairness_metric", to_string(r.metric)},
         {"topsis_weights", json{{"profit", r.weights[0]}, {"retention", r.weights[1]}, {"disparity", r.weights[2]}}},
         {"topsis_choice", r.choice ? pareto_point_json(r.surface[*r.choice]) : json(nullptr)},
         {"front", front},
         {"surface", surface},
         {"passes", r.passes},
         {"seconds", r.seconds},
         {"backend_used", r.backend_used},
         {"device_name", r.device_name},
         {"fallback_reason", r.fallback_reason.empty() ? json(nullptr) : json(r.fallback_reason)},
         {"warnings", r.warnings},
         {"rateopt", json{{"version", version_string()}, {"git_revision", git_revision()}}}};
  return j.dump(2);
}

std::string pareto_svg(const ParetoResult& r) {
  Chart chart;
  chart.title = std::string("Pareto surface: profit, retention and ") +
                (r.metric == FairnessMetric::premium_disparity ? "premium disparity" : "loss-ratio disparity");
  chart.x_label = "Renewal retention";
  chart.y_label = "Expected profit";
  chart.colour_label = r.metric == FairnessMetric::premium_disparity ? "Premium disparity" : "Loss-ratio disparity";
  ChartSeries dominated, front;
  dominated.name = "dominated points";
  dominated.line = false;
  dominated.colour = "#b0b0b0";
  front.name = "non-dominated points (colour: disparity)";
  front.line = false;
  for (const ParetoPoint& p : r.surface) {
    if (!p.summary.converged) continue;
    ChartSeries& s = p.on_front ? front : dominated;
    s.x.push_back(p.summary.retention);
    s.y.push_back(p.summary.profit);
    if (p.on_front) s.colour_value.push_back(p.disparity);
  }
  if (!dominated.x.empty()) chart.series.push_back(dominated);
  chart.series.push_back(front);
  if (r.choice) {
    const ParetoPoint& p = r.surface[*r.choice];
    char text[160];
    snprintf(text, sizeof text, "TOPSIS choice: %s %.6g, fairness_max %.6g", to_string(r.sweep_x), p.x_limit,
             p.fairness_limit);
    ChartMarker m;
    m.x = p.summary.retention;
    m.y = p.summary.profit;
    m.label = text;
    chart.markers.push_back(m);
  }
  return render_svg(chart);
}

void write_pareto_outputs(const std::string& out_dir, const ParetoResult& r, bool force) {
  OutputSet outputs(out_dir, {"pareto_surface.csv", "pareto_front.csv", "pareto.svg", "result.json"}, force);
  std::vector<size_t> all(r.surface.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  outputs.write("pareto_surface.csv", points_csv(r, all));
  outputs.write("pareto_front.csv", points_csv(r, r.front));
  outputs.write("pareto.svg", pareto_svg(r));
  outputs.write("result.json", pareto_json(r) + "\n");
  outputs.commit();
}

}  // namespace rateopt
