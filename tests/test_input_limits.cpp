// The limits that keep every sum over a book finite (book_limits, issue 14 item 8): values inside the
// old rules that overflowed the sums (technical_price 1e300, weight 1e308) are refused naming the row;
// a book with every value at its limit, solved with the widest multiplier box, ends with finite figures.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/clusters.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/reinsure.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

std::string book_error(const std::string& csv) {
  try {
    parse_book_csv(csv.data(), csv.size(), "book.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(BookLimits, ValuesThatOverflowTheSumsAreRefusedNamingTheRow) {
  const std::string head =
      "technical_price,expected_loss_cost,p_demand,elasticity,weight,claims_variance,prior_multiplier\n";
  const std::string ok = "100,50,0.5,-1,1,0,1\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1e300,50,0.5,-1,1,0,1\n",
       "book.csv:3: technical_price = 1e+300 is above 1e+12, the limit that keeps the book's sums finite"},
      {"100,50,0.5,-1,1e308,0,1\n", "book.csv:3: weight = 1e+308 is above 1e+09"},
      {"100,1e13,0.5,-1,1,0,1\n", "book.csv:3: expected_loss_cost = 1e+13 is above 1e+12"},
      {"100,50,0.5,-1,1,1e25,1\n", "book.csv:3: claims_variance = 1e+25 is above 1e+24"},
      {"100,50,0.5,-31,1,0,1\n", "book.csv:3: elasticity = -31 is outside [-30,30]"},
      {"100,50,0.5,1e300,1,0,1\n", "book.csv:3: elasticity = 1e+300 is outside [-30,30]"},
      {"100,50,0.5,-1,1,0,1e4\n", "book.csv:3: prior_multiplier = 10000 is above 1000"},
      {"100,50,0.5,-1,1,0,1e-4\n", "book.csv:3: prior_multiplier = 1e-04 is below 0.001"},
  };
  for (const auto& [row, expected] : cases) {
    const std::string message = book_error(head + ok + row);
    EXPECT_NE(message.find(expected), std::string::npos) << row << "→ " << message;
  }
  // in code, the same rules (Book::validate)
  Book book = parse_book_csv((head + ok).data(), head.size() + ok.size(), "");
  book.weight[0] = 1e308;
  EXPECT_THROW(book.validate(), InputError);
}

// Every column at the end of its range that makes the sums largest, in one book, with the widest box:
// the solve may be infeasible or stop at its limits, but it never fails numerically.
TEST(BookLimits, ABookAtEveryLimitSolvesWithFiniteFigures) {
  using namespace book_limits;
  Book book;
  book.resize(4);
  const double money = max_money;
  const double elasticity[] = {-max_abs_elasticity, max_abs_elasticity, -max_abs_elasticity, -1.5};
  const double prior[] = {min_prior_multiplier, max_prior_multiplier, 1, 1};
  for (size_t i = 0; i < 4; ++i) {
    book.technical_price[i] = i == 3 ? 1e-6 : money;
    book.expected_loss_cost[i] = i == 3 ? money : money / 2;
    book.p_demand[i] = i % 2 ? 1 - 1e-9 : 1e-9;
    book.elasticity[i] = elasticity[i];
    book.prior_multiplier[i] = prior[i];
    book.claims_variance[i] = max_claims_variance;
    book.expense[i] = money / 10;
    book.weight[i] = max_weight;
  }
  for (const DemandModel model : {DemandModel::log_linear, DemandModel::logistic}) {
    OptimiseOptions o;
    o.device = Device::cpu;
    o.demand_model = model;
    o.min_multiplier = 1e-3;
    o.max_multiplier = 1e3;
    o.technical_floor = false;
    o.max_passes = 300;
    const SolveResult r = optimise(book, o);
    EXPECT_NE(r.status, SolveStatus::numerical_failure) << r.message;
    EXPECT_TRUE(std::isfinite(r.expected_profit)) << r.message;
    EXPECT_TRUE(std::isfinite(r.expected_gwp)) << r.message;
    for (double m : r.multiplier) EXPECT_TRUE(std::isfinite(m));
  }
}

template <class Read>
std::string error_of(Read read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// The same for the other readers whose values are summed: reinsurance lines and samples, cluster
// claims and premiums.
TEST(InputLimits, ReinsuranceAndClusterValuesThatOverflowTheSumsAreRefusedNamingTheRow) {
  const auto dir = test::scratch_dir();
  const std::string lines = (dir / "lines.csv").string(), samples = (dir / "samples.csv").string();
  test::write_text_file(lines, "name,expected_loss,variance,safety_loading\nmotor,1000,10,0.3\nfire,1e300,10,0.3\n");
  EXPECT_NE(error_of([&] { read_reinsurance_lines(lines); }).find(lines + ":3: expected_loss = 1e+300 is above 1e+15"),
            std::string::npos)
      << error_of([&] { read_reinsurance_lines(lines); });
  test::write_text_file(lines, "name,expected_loss,variance,safety_loading\nmotor,1000,1e308,0.3\n");
  EXPECT_NE(error_of([&] { read_reinsurance_lines(lines); }).find(":2: variance = 1e+308 is above 1e+30"),
            std::string::npos);
  test::write_text_file(lines, "name,expected_loss,variance,safety_loading\nmotor,1000,10,0.3\n");
  const std::vector<ReinsuranceLine> ok = read_reinsurance_lines(lines);
  test::write_text_file(samples, "motor\n100\n1e300\n");
  EXPECT_NE(error_of([&] { read_loss_samples(samples, ok); }).find(samples + ":3: motor = 1e+300 is above 1e+15"),
            std::string::npos)
      << error_of([&] { read_loss_samples(samples, ok); });

  const std::string clusters = (dir / "clusters.csv").string(), premiums = (dir / "premiums.csv").string();
  test::write_text_file(clusters, "cluster_id,policies,avg_claim\nc1,100,1e300\n");
  test::write_text_file(premiums, "cluster_id,termination_rate,premium\nc1,5,30\n");
  EXPECT_NE(error_of([&] { read_cluster_problem(clusters, premiums); }).find(":2: avg_claim = \"1e300\" is above 1e12"),
            std::string::npos)
      << error_of([&] { read_cluster_problem(clusters, premiums); });
  test::write_text_file(clusters, "cluster_id,policies,avg_claim\nc1,100,10\n");
  test::write_text_file(premiums, "cluster_id,termination_rate,premium\nc1,5,30\nc1,7,1e300\n");
  EXPECT_NE(error_of([&] { read_cluster_problem(clusters, premiums); }).find(":3: premium = \"1e300\" is above 1e12"),
            std::string::npos)
      << error_of([&] { read_cluster_problem(clusters, premiums); });
}

}  // namespace
}  // namespace rateopt
