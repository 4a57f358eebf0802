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
#include "sweeps/frontier_points.hpp"

namespace rateopt {

namespace {

using json = nlohmann::ordered_json;

// The swept quantity a point achieved (its x on the chart).
double achieved(const FrontierResult& f, const FrontierPoint& p) {
  switch (f.sweep) {
    case SweptConstraint::retention_min:
      return p.retention;
    case SweptConstraint::gwp_min:
      return p.gwp;
    case SweptConstraint::lr_max:
      break;
  }
  return p.loss_ratio;
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

json frontier_point_json(const FrontierPoint& p) {
  return json{{"epsilon", p.epsilon},
              {"status", to_string(p.status)},
              {"converged", p.converged},
              {"message", p.message},
              {"profit", p.profit},
              {"gwp", p.gwp},
              {"loss_ratio", p.loss_ratio},
              {"retention", finite_or_null(p.retention)},
              {"shadow_price", p.shadow_price},
              {"shadow_price_unit", p.shadow_price_unit},
              {"optimality_gap", p.optimality_gap ? json(*p.optimality_gap) : json(nullptr)},
              {"passes", p.passes},
              {"seconds", p.seconds}};
}

FrontierPoint frontier_point_from_json(const json& j) {
  FrontierPoint p;
  p.epsilon = j["epsilon"].get<double>();
  p.status = solve_status_from_string(j["status"].get<std::string>());
  p.converged = j["converged"].get<bool>();
  p.message = j["message"].get<std::string>();
  p.profit = j["profit"].get<double>();
  p.gwp = j["gwp"].get<double>();
  p.loss_ratio = j["loss_ratio"].get<double>();
  p.retention = j["retention"].is_null() ? std::nan("") : j["retention"].get<double>();
  p.shadow_price = j["shadow_price"].get<double>();
  p.shadow_price_unit = j["shadow_price_unit"].get<std::string>();
  if (!j["optimality_gap"].is_null()) p.optimality_gap = j["optimality_gap"].get<double>();
  p.passes = j["passes"].get<int64_t>();
  p.seconds = j["seconds"].get<double>();
  return p;
}

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
    if (!p.converged) continue;
    s.x.push_back(achieved(f, p));
    s.y.push_back(p.profit);
    // the chosen point: the user's own limit when given, otherwise the most profitable point
    const bool closer = chosen_limit
                            ? (!mark || std::fabs(p.epsilon - *chosen_limit) < std::fabs(mark->epsilon - *chosen_limit))
                            : (!mark || p.profit > mark->profit);
    if (closer) mark = &p;
  }
  chart.series.push_back(s);
  if (mark) {
    char limit[64];
    snprintf(limit, sizeof limit, "%.6g", mark->epsilon);
    ChartMarker m;
    m.x = achieved(f, *mark);
    m.y = mark->profit;
    m.label = std::string(chosen_limit ? "chosen " : "best ") + to_string(f.sweep) + " " + limit + ": profit " +
              format_tick(mark->profit, 1.0);
    chart.markers.push_back(m);
  }
  return render_svg(chart);
}

void write_frontier_outputs(const std::string& out_dir, const FrontierResult& f,
                            const std::optional<double>& chosen_limit, bool force) {
  check_output_dir(out_dir, {"frontier.csv", "frontier.svg", "result.json"}, force);
  std::string csv =
      "epsilon,converged,status,profit,gwp,loss_ratio,retention,shadow_price,shadow_price_unit,optimality_gap,"
      "passes,seconds\n";
  for (const FrontierPoint& p : f.points) {
    CsvRow row(csv);
    row.number(p.epsilon).integer(p.converged ? 1 : 0).text(to_string(p.status)).number(p.profit).number(p.gwp);
    row.number(p.loss_ratio).number(p.retention).number(p.shadow_price).text(p.shadow_price_unit);
    if (p.optimality_gap)
      row.number(*p.optimality_gap);
    else
      row.text("");
    row.integer(p.passes).number(p.seconds);
  }
  const std::string svg = frontier_svg(f, chosen_limit);
  create_output_dir(out_dir);
  write_file_atomically(out_dir + "/frontier.csv", csv);
  write_file_atomically(out_dir + "/frontier.svg", svg);
  write_file_atomically(out_dir + "/result.json", frontier_json(f) + "\n");
}

}  // namespace rateopt
