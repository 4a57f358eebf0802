// Sweep points as result.json writes them and as ranks under mpirun send them to rank 0: every
// point type comes back as it went, including what JSON cannot hold (NaN retention, no gap).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rateopt/result.hpp"
#include "sweeps/point_json.hpp"

using namespace rateopt;

namespace {

PointSummary sample_summary() {
  SolveResult r;
  r.status = SolveStatus::infeasible;
  r.converged = false;
  r.message = "retention_min 0.9 unreachable";
  r.expected_profit = 1234.5;
  r.expected_gwp = 9876.25;
  r.expected_loss_ratio = 0.625;
  r.expected_retention = std::nan("");  // a book without renewals
  return point_summary(r, 17, 0.25);
}

void expect_same(const PointSummary& a, const PointSummary& b, bool with_message) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.converged, b.converged);
  if (with_message) {
    EXPECT_EQ(a.message, b.message);
  }
  EXPECT_EQ(a.profit, b.profit);
  EXPECT_EQ(a.gwp, b.gwp);
  EXPECT_EQ(a.loss_ratio, b.loss_ratio);
  EXPECT_TRUE(std::isnan(b.retention));
  EXPECT_EQ(a.optimality_gap, b.optimality_gap);
  EXPECT_EQ(a.passes, b.passes);
  EXPECT_EQ(a.seconds, b.seconds);
}

}  // namespace

TEST(PointJson, SummaryOfASolveCarriesItsFiguresAndThePointsCost) {
  const PointSummary s = sample_summary();
  EXPECT_EQ(s.status, SolveStatus::infeasible);
  EXPECT_EQ(s.message, "retention_min 0.9 unreachable");
  EXPECT_EQ(s.profit, 1234.5);
  EXPECT_EQ(s.passes, 17);
  EXPECT_EQ(s.seconds, 0.25);
  EXPECT_FALSE(s.optimality_gap.has_value());
}

TEST(PointJson, EveryPointTypeRoundTrips) {
  FrontierPoint f{0.8, sample_summary(), 12.5, "profit per percentage point of retention"};
  const FrontierPoint f2 = frontier_point_from_json(frontier_point_json(f));
  EXPECT_EQ(f2.epsilon, 0.8);
  EXPECT_EQ(f2.shadow_price, 12.5);
  EXPECT_EQ(f2.shadow_price_unit, f.shadow_price_unit);
  expect_same(f.summary, f2.summary, true);

  ParetoPoint p{0.75, 1.1, sample_summary(), 1.05, true};
  const ParetoPoint p2 = pareto_point_from_json(pareto_point_json(p));
  EXPECT_EQ(p2.x_limit, 0.75);
  EXPECT_EQ(p2.fairness_limit, 1.1);
  EXPECT_EQ(p2.disparity, 1.05);
  EXPECT_TRUE(p2.on_front);
  expect_same(p.summary, p2.summary, false);  // the Pareto outputs carry no message

  ScenarioSummary s{"scale_0.75", sample_summary(), "scale 0.75"};
  s.summary.optimality_gap = 1e-9;
  const ScenarioSummary s2 = scenario_summary_from_json(scenario_summary_json(s));
  EXPECT_EQ(s2.name, "scale_0.75");
  EXPECT_EQ(s2.source, "scale 0.75");
  expect_same(s.summary, s2.summary, true);
}

TEST(PointJson, KeysAndCsvCellsFollowTheOrderAsked) {
  const PointSummary s = sample_summary();
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  put_summary(j, s,
              {SummaryField::passes, SummaryField::status, SummaryField::retention, SummaryField::optimality_gap});
  EXPECT_EQ(j.dump(), R"({"passes":17,"status":"infeasible","retention":null,"optimality_gap":null})");
  std::string csv;
  {
    CsvRow row(csv);
    put_summary(row, s,
                {SummaryField::converged, SummaryField::status, SummaryField::profit, SummaryField::retention,
                 SummaryField::optimality_gap, SummaryField::passes, SummaryField::message});
  }
  EXPECT_EQ(csv, "0,infeasible,1234.5,,,17,retention_min 0.9 unreachable\n");
}
