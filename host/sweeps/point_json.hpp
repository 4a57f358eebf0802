// Sweep points as their outputs write them: the fields of a PointSummary by name, in the order each
// output lists them (JSON keys, CSV columns), and the points of result.json and back.  Ranks of a
// sweep under mpirun send their points to rank 0 in the same form (host/parallel/sharded.cpp).
#pragma once

#include <array>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "io/format.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

/// One field of a PointSummary; its name is its JSON key and CSV column.
enum class SummaryField {
  status,
  converged,
  message,
  profit,
  gwp,
  loss_ratio,
  retention,
  optimality_gap,
  passes,
  seconds
};
template <>
struct EnumNames<SummaryField> {
  static constexpr std::array<const char*, 10> names{"status",     "converged", "message",        "profit", "gwp",
                                                     "loss_ratio", "retention", "optimality_gap", "passes", "seconds"};
};

/// Adds the fields, in the order given: numbers that are not finite and a missing gap as null.
void put_summary(nlohmann::ordered_json& j, const PointSummary& s, std::initializer_list<SummaryField> fields);
/// Adds the fields as CSV cells: converged as 1/0, numbers exact, NaN and a missing gap empty.
void put_summary(CsvRow& row, const PointSummary& s, std::initializer_list<SummaryField> fields);
/// The summary fields an object holds (put_summary's form); absent ones keep their defaults.
PointSummary summary_from_json(const nlohmann::ordered_json& j);

nlohmann::ordered_json frontier_point_json(const FrontierPoint& point);
FrontierPoint frontier_point_from_json(const nlohmann::ordered_json& j);
nlohmann::ordered_json pareto_point_json(const ParetoPoint& point);
ParetoPoint pareto_point_from_json(const nlohmann::ordered_json& j);
nlohmann::ordered_json scenario_summary_json(const ScenarioSummary& scenario);
ScenarioSummary scenario_summary_from_json(const nlohmann::ordered_json& j);

}  // namespace rateopt
