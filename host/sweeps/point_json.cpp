// Sweep points as their outputs write them (see point_json.hpp).
#include "sweeps/point_json.hpp"

#include <cmath>

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;
using F = SummaryField;

// null (a number that was not finite) reads back as NaN
double number_or_nan(const Json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

Json gap_json(const std::optional<double>& gap) { return gap ? finite_or_null(*gap) : Json(nullptr); }

Json field_json(const PointSummary& s, SummaryField field) {
  switch (field) {
    case F::status:
      return to_string(s.status);
    case F::converged:
      return s.converged;
    case F::message:
      return s.message;
    case F::profit:
      return finite_or_null(s.profit);
    case F::gwp:
      return finite_or_null(s.gwp);
    case F::loss_ratio:
      return finite_or_null(s.loss_ratio);
    case F::retention:
      return finite_or_null(s.retention);
    case F::optimality_gap:
      return gap_json(s.optimality_gap);
    case F::passes:
      return s.passes;
    case F::seconds:
      break;
  }
  return s.seconds;
}

void field_csv(CsvRow& row, const PointSummary& s, SummaryField field) {
  switch (field) {
    case F::status:
      row.text(to_string(s.status));
      return;
    case F::converged:
      row.integer(s.converged ? 1 : 0);
      return;
    case F::message:
      row.text(s.message);
      return;
    case F::profit:
      row.number(s.profit);
      return;
    case F::gwp:
      row.number(s.gwp);
      return;
    case F::loss_ratio:
      row.number(s.loss_ratio);
      return;
    case F::retention:
      row.number(s.retention);
      return;
    case F::optimality_gap:
      if (s.optimality_gap)
        row.number(*s.optimality_gap);
      else
        row.text("");
      return;
    case F::passes:
      row.integer(s.passes);
      return;
    case F::seconds:
      row.number(s.seconds);
      return;
  }
}

}  // namespace

void put_summary(Json& j, const PointSummary& s, std::initializer_list<SummaryField> fields) {
  for (SummaryField field : fields) j[to_string(field)] = field_json(s, field);
}

void put_summary(CsvRow& row, const PointSummary& s, std::initializer_list<SummaryField> fields) {
  for (SummaryField field : fields) field_csv(row, s, field);
}

PointSummary summary_from_json(const Json& j) {
  PointSummary s;
  const auto has = [&](SummaryField field) { return j.contains(to_string(field)); };
  const auto at = [&](SummaryField field) -> const Json& { return j.at(to_string(field)); };
  if (has(F::status)) s.status = solve_status_from_string(at(F::status).get<std::string>());
  if (has(F::converged)) s.converged = at(F::converged).get<bool>();
  if (has(F::message)) s.message = at(F::message).get<std::string>();
  if (has(F::profit)) s.profit = number_or_nan(at(F::profit));
  if (has(F::gwp)) s.gwp = number_or_nan(at(F::gwp));
  if (has(F::loss_ratio)) s.loss_ratio = number_or_nan(at(F::loss_ratio));
  if (has(F::retention)) s.retention = number_or_nan(at(F::retention));
  if (has(F::optimality_gap) && !at(F::optimality_gap).is_null())
    s.optimality_gap = at(F::optimality_gap).get<double>();
  if (has(F::passes)) s.passes = at(F::passes).get<int64_t>();
  if (has(F::seconds)) s.seconds = at(F::seconds).get<double>();
  return s;
}

Json frontier_point_json(const FrontierPoint& p) {
  Json j{{"epsilon", p.epsilon}};
  put_summary(j, p.summary, {F::status, F::converged, F::message, F::profit, F::gwp, F::loss_ratio, F::retention});
  j["shadow_price"] = p.shadow_price;
  j["shadow_price_unit"] = p.shadow_price_unit;
  put_summary(j, p.summary, {F::optimality_gap, F::passes, F::seconds});
  return j;
}

FrontierPoint frontier_point_from_json(const Json& j) {
  FrontierPoint p;
  p.epsilon = j.at("epsilon").get<double>();
  p.summary = summary_from_json(j);
  p.shadow_price = number_or_nan(j.at("shadow_price"));
  p.shadow_price_unit = j.at("shadow_price_unit").get<std::string>();
  return p;
}

Json pareto_point_json(const ParetoPoint& p) {
  Json j{{"x_limit", p.x_limit}, {"fairness_limit", p.fairness_limit}};
  put_summary(j, p.summary, {F::status, F::converged, F::profit, F::retention});
  j["disparity"] = p.disparity;
  put_summary(j, p.summary, {F::gwp, F::loss_ratio});
  j["on_front"] = p.on_front;
  put_summary(j, p.summary, {F::passes, F::seconds});
  return j;
}

ParetoPoint pareto_point_from_json(const Json& j) {
  ParetoPoint p;
  p.x_limit = j.at("x_limit").get<double>();
  p.fairness_limit = j.at("fairness_limit").get<double>();
  p.summary = summary_from_json(j);
  p.disparity = number_or_nan(j.at("disparity"));
  p.on_front = j.at("on_front").get<bool>();
  return p;
}

Json scenario_summary_json(const ScenarioSummary& s) {
  Json j{{"scenario", s.name}, {"source", text_or_null(s.source)}};
  put_summary(j, s.summary,
              {F::status, F::converged, F::message, F::profit, F::gwp, F::loss_ratio, F::retention, F::optimality_gap,
               F::passes, F::seconds});
  return j;
}

ScenarioSummary scenario_summary_from_json(const Json& j) {
  ScenarioSummary s;
  s.name = j.at("scenario").get<std::string>();
  s.summary = summary_from_json(j);
  if (!j.at("source").is_null()) s.source = j.at("source").get<std::string>();
  return s;
}

}  // namespace rateopt
