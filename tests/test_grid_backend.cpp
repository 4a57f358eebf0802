// The grid's backends against each other: every argmax field of the CUDA backend (each lane grouping)
// against the CPU on one thread on random grids (K from 1 to 101, cost columns absent, per policy and
// per row, constrained columns, exact ties), a whole solve on both, and the --device rule.  Without a
// GPU the Gpu/ cases skip; the Cpu/ cases compare the CPU on several threads with one.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../tools/gpu_check/grid_cases.hpp"
#include "grid/grid_backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

using grid_cases::GridShape;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

/// The backends a parameter names: the CPU on three threads, or CUDA with each lane grouping.
std::vector<std::unique_ptr<GridBackend>> backends_for(const std::string& device) {
  std::vector<std::unique_ptr<GridBackend>> out;
  if (device == "cpu") {
    out.push_back(make_grid_cpu_backend(3));
  } else {
    for (int lanes : {0, 8, 16, 32}) out.push_back(make_grid_cuda_backend(lanes));
  }
  return out;
}

class GridBackendConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(GridBackendConformance, EveryFieldAgreesWithTheCpuOnOneThread) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  int shapes = 0;
  grid_cases::for_each_shape(false, [&](const std::string& label, const GridShape& shape) {
    const GridBook g = grid_cases::make_grid(shape, 17 + static_cast<uint64_t>(shapes++));
    for (auto& test : backends_for(GetParam())) {
      auto ref = make_grid_cpu_backend(1);
      const std::vector<std::string> bad = grid_cases::compare_grid_backends(*test, *ref, g);
      EXPECT_TRUE(bad.empty()) << label << " on " << test->device_name() << joined(bad);
    }
  });
  EXPECT_EQ(shapes, 42);
}

// The same constrained solve on the parameter's backend and on the CPU: the same choices, profit and
// bound (the passes' sums differ only in their order of addition).
TEST_P(GridBackendConformance, WholeSolveGivesTheCpuAnswer) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  GridShape shape;
  shape.policies = 3000;
  shape.k_min = 2, shape.k_max = 41;
  shape.extras = 2;  // score1 is held per row
  shape.ties = true;
  const GridBook g = grid_cases::make_grid(shape, 99);
  // limits that bind: 97% of the unconstrained choice's loss ratio and 98% of its score1
  auto cpu = make_grid_cpu_backend(1);
  cpu->upload(g);
  const GridPass free_choice = cpu->argmax(grid_cases::term_prices(cpu->terms(), 1)[0]);
  namespace t = math::grid_term;
  GridOptions o;
  o.lr_max = 0.97 * free_choice.sums[t::claims] / free_choice.sums[t::gwp];
  const double score = free_choice.sums[t::first_extra + 1];
  o.sum_max = {"score1=" + std::to_string(score - 0.02 * std::fabs(score))};
  o.device = *enum_from_name<Device>(GetParam());
  o.threads = 3;
  // full passes throughout, and a dual started from a sample of 500 policies then passes over windows
  for (const int64_t sample : {int64_t{0}, int64_t{500}}) {
    SCOPED_TRACE("dual_sample " + std::to_string(sample));
    o.dual_sample = sample;
    GridOptions on_cpu = o;
    on_cpu.device = Device::cpu;
    on_cpu.threads = 1;
    GridBook a_grid = g, b_grid = g;
    const GridResult a = solve_grid(a_grid, o), b = solve_grid(b_grid, on_cpu);
    EXPECT_EQ(a.backend_used, GetParam());
    ASSERT_EQ(b.status, SolveStatus::converged) << b.message;
    EXPECT_EQ(a.status, b.status) << a.message;
    int binding = 0;
    for (const GridConstraintReport& c : b.constraints) binding += c.binding;
    EXPECT_GE(binding, 1);  // the multipliers matter
    EXPECT_EQ(sample > 0, b.windowed_passes > 0);
    EXPECT_EQ(a.windowed_passes, b.windowed_passes);
    EXPECT_EQ(a.choice, b.choice);
    EXPECT_NEAR(a.expected_profit, b.expected_profit, 1e-10 * std::fabs(b.expected_profit));
    ASSERT_TRUE(a.dual_bound && b.dual_bound);
    EXPECT_NEAR(*a.dual_bound, *b.dual_bound, 1e-9 * std::fabs(*b.dual_bound));
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, GridBackendConformance, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, GridBackendConformance, ::testing::Values(std::string("cuda")));

/// A backend that answers as the CPU does, then spoils one field: the comparison must notice.
class SpoiledBackend final : public GridBackend {
 public:
  enum class Spoil { sums, tie, gap, window };
  explicit SpoiledBackend(Spoil spoil) : spoil_(spoil) {}
  std::string name() const override { return "spoiled"; }
  std::string device_name() const override { return "spoiled"; }
  void upload(const GridBook& grid) override {
    g_ = &grid;
    cpu_->upload(grid);
  }
  int terms() const override { return cpu_->terms(); }
  int64_t passes() const override { return cpu_->passes(); }
  std::vector<double> term_magnitudes() override { return cpu_->term_magnitudes(); }
  bool set_row_window(const std::vector<uint32_t>* window) override {
    return spoil_ == Spoil::window ? true : cpu_->set_row_window(window);  // window: says yes, reads every row
  }
  GridPass argmax(const std::vector<double>& omega, std::vector<int32_t>* choice, std::vector<double>* gap) override {
    GridPass p = cpu_->argmax(omega, choice, gap);
    if (spoil_ == Spoil::sums) p.sums[0] *= 1 + 1e-10;
    if (spoil_ == Spoil::gap && gap)  // one ulp lower (+inf: the largest finite gap)
      for (double& v : *gap) v = std::nextafter(v, -INFINITY);
    if (spoil_ == Spoil::tie && choice)  // the later of two equal rows, as a wrong tie rule would choose
      for (size_t i = 0; i < choice->size(); ++i)
        if (gap && (*gap)[i] == 0 && static_cast<uint64_t>((*choice)[i]) + 1 < g_->offset[i + 1]) ++(*choice)[i];
    return p;
  }

 private:
  Spoil spoil_;
  std::unique_ptr<GridBackend> cpu_ = make_grid_cpu_backend(1);
  const GridBook* g_ = nullptr;
};

TEST(GridBackendComparison, NoticesSpoiledSumsTiesGapsAndWindows) {
  GridShape shape;
  shape.policies = 200;
  shape.k_min = 2, shape.k_max = 11;
  shape.extras = 1;
  shape.ties = true;
  const GridBook g = grid_cases::make_grid(shape, 3);
  for (auto spoil : {SpoiledBackend::Spoil::sums, SpoiledBackend::Spoil::tie, SpoiledBackend::Spoil::gap,
                     SpoiledBackend::Spoil::window}) {
    SpoiledBackend spoiled(spoil);
    auto ref = make_grid_cpu_backend(1);
    EXPECT_FALSE(grid_cases::compare_grid_backends(spoiled, *ref, g).empty()) << static_cast<int>(spoil);
  }
  auto cpu = make_grid_cpu_backend(2), ref = make_grid_cpu_backend(1);
  EXPECT_EQ(grid_cases::compare_grid_backends(*cpu, *ref, g), std::vector<std::string>{});
}

// --device: auto uses a usable GPU or says why it did not; cuda without one is an error before any work
// (a DeviceError in a CUDA build, an input error in a build without CUDA).
TEST(GridDevice, AutoUsesAGpuOrSaysWhyNot) {
  GridShape shape;
  shape.policies = 50;
  GridBook g = grid_cases::make_grid(shape, 8);
  GridOptions o;
  o.device = Device::automatic;
  const GridResult r = solve_grid(g, o);
  const std::string missing = test::gpu_missing_reason();
  EXPECT_EQ(r.backend_requested, "auto");
  EXPECT_EQ(r.backend_used, missing.empty() ? "cuda" : "cpu");
  if (!missing.empty()) {
    EXPECT_NE(r.fallback_reason.find("using the CPU"), std::string::npos) << r.fallback_reason;
  }
  EXPECT_EQ(r.status, SolveStatus::converged) << r.message;
}

TEST(GridDevice, ExplicitCudaWithoutAGpuIsAnError) {
  if (test::gpu_missing_reason().empty()) GTEST_SKIP() << "a GPU is usable here";
  GridShape shape;
  shape.policies = 50;
  GridBook g = grid_cases::make_grid(shape, 8);
  GridOptions o;
  o.device = Device::cuda;
  if (RATEOPT_HAVE_CUDA) {
    EXPECT_THROW(solve_grid(g, o), DeviceError);
  } else {
    EXPECT_THROW(solve_grid(g, o), InputError);
  }
}

}  // namespace
}  // namespace rateopt
