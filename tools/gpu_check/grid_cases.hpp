// Random price grids and the field-by-field comparison of two grid backends, shared by the one-shot
// device check (tools/gpu_check) and the GoogleTest suite (tests/test_grid_backend.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "grid/grid_backend.hpp"
#include "rateopt/math/grid_math.hpp"

namespace rateopt {
namespace grid_cases {

/// The shape of a random grid: K drawn in [k_min, k_max] per policy; each cost column absent, per
/// policy or per row; `extras` constrained columns (odd ones per row); with `ties`, about a third of the
/// policies repeat a candidate row exactly, so two rows score the same for every ω.
struct GridShape {
  size_t policies = 100;
  int k_min = 1, k_max = 11;
  enum class Column { absent, per_policy, per_row } loss_cost = Column::per_row, expense = Column::per_policy;
  int extras = 0;
  bool ties = false;
};

/// splitmix64: cheap enough for 1e8 candidates.
struct Random {
  uint64_t state;
  double uniform() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
};

inline GridBook make_grid(const GridShape& shape, uint64_t seed) {
  using Column = GridShape::Column;
  Random rng{seed};
  GridBook g;
  g.source = "generated.csv";
  g.offset.push_back(0);
  const auto start = [](GridColumn& c, Column kind) { c.per_row = kind == Column::per_row; };
  start(g.loss_cost, shape.loss_cost);
  start(g.expense, shape.expense);
  g.extra.resize(static_cast<size_t>(shape.extras));
  for (int q = 0; q < shape.extras; ++q) {
    g.extra_names.push_back("score" + std::to_string(q));
    g.extra[static_cast<size_t>(q)].per_row = q % 2 == 1;
  }
  const auto add = [&](GridColumn& c, Column kind, bool first_row, double v) {
    if (kind == Column::per_row || (kind == Column::per_policy && first_row)) c.values.push_back(v);
  };
  const int span = shape.k_max - shape.k_min + 1;
  for (size_t i = 0; i < shape.policies; ++i) {
    const int k = shape.k_min + std::min(span - 1, static_cast<int>(rng.uniform() * span));
    const double tc = 200 + 600 * rng.uniform(), x0 = 0.3 + 0.6 * rng.uniform(), eps = -3 + 2.5 * rng.uniform();
    const bool tie = shape.ties && k >= 2 && rng.uniform() < 0.35;
    const int repeated = tie ? static_cast<int>(rng.uniform() * (k - 1)) : -1;  // row repeated+1 copies it
    double m = 0.8;
    for (int j = 0; j < k; ++j) {
      const bool copy = j == repeated + 1 && repeated >= 0;
      if (!copy) m += 0.6 / k * (0.5 + rng.uniform());
      const size_t from = g.premium.size() - (copy ? 1 : 0);
      g.premium.push_back(copy ? g.premium[from] : tc * m);
      g.demand.push_back(copy ? g.demand[from] : std::min(1.0, x0 * std::pow(m, eps)));
      const auto value = [&](const GridColumn& c, double fresh) { return copy && c.per_row ? c.values.back() : fresh; };
      add(g.loss_cost, shape.loss_cost, j == 0, value(g.loss_cost, tc * (0.5 + 0.4 * rng.uniform())));
      add(g.expense, shape.expense, j == 0, value(g.expense, 0.1 * tc * rng.uniform()));
      for (int q = 0; q < shape.extras; ++q) {
        GridColumn& c = g.extra[static_cast<size_t>(q)];
        add(c, c.per_row ? Column::per_row : Column::per_policy, j == 0, value(c, 10 * rng.uniform() - 3));
      }
    }
    g.offset.push_back(g.premium.size());
    g.policy_id.push_back("P" + std::to_string(i));
    g.weight.push_back(rng.uniform() < 0.5 ? 1.0 : 0.5 + 2 * rng.uniform());
    g.renewal.push_back(rng.uniform() < 0.6 ? 1 : 0);
    g.group.push_back(0);
    g.first_line.push_back(2 + i);
  }
  g.group_names = {"all"};
  return g;
}

/// Term prices a grid solve asks for: profit alone, a Lagrangian with every term priced (random signs
/// on the constrained columns), one term alone as the infeasibility search does, and all zero (every row
/// ties: the first is chosen).
inline std::vector<std::vector<double>> term_prices(int terms, uint64_t seed) {
  namespace t = math::grid_term;
  Random rng{seed};
  std::vector<std::vector<double>> out;
  std::vector<double> omega(static_cast<size_t>(terms), 0.0);
  omega[t::profit] = 1.0;
  out.push_back(omega);
  omega[t::gwp] = -0.05, omega[t::claims] = -0.7, omega[t::retained] = 150.0, omega[t::volume] = -20.0;
  for (int q = t::first_extra; q < terms; ++q) omega[static_cast<size_t>(q)] = 40 * rng.uniform() - 20;
  out.push_back(omega);
  std::vector<double> single(static_cast<size_t>(terms), 0.0);
  single[static_cast<size_t>(terms - 1)] = -1.0;
  out.push_back(single);
  out.push_back(std::vector<double>(static_cast<size_t>(terms), 0.0));
  return out;
}

/// The argmax passes of `test` and `ref` for each of term_prices' ω (see compare_grid_backends).
inline void compare_passes(GridBackend& test, GridBackend& ref, const GridBook& g, const std::vector<double>& scale,
                           const std::string& label, int& case_index, std::vector<std::string>& bad) {
  constexpr double tol = 1e-12;
  for (const std::vector<double>& omega : term_prices(ref.terms(), 5 + g.policies())) {
    const std::string at = label + std::to_string(case_index++) + ": ";
    std::vector<int32_t> choice, ref_choice;
    std::vector<double> gap, ref_gap;
    const GridPass a = test.argmax(omega, &choice, &gap), b = ref.argmax(omega, &ref_choice, &ref_gap);
    const GridPass again = test.argmax(omega);
    double value_scale = 0;
    for (size_t t = 0; t < scale.size(); ++t) value_scale += std::fabs(omega[t]) * scale[t];
    if (!(std::fabs(a.value - b.value) <= tol * value_scale))
      bad.push_back(at + "value " + std::to_string(a.value) + " vs " + std::to_string(b.value));
    for (size_t t = 0; t < b.sums.size() && a.sums.size() == b.sums.size(); ++t)
      if (!(std::fabs(a.sums[t] - b.sums[t]) <= tol * scale[t]))
        bad.push_back(at + "sums[" + std::to_string(t) + "] " + std::to_string(a.sums[t]) + " vs " +
                      std::to_string(b.sums[t]));
    if (a.sums.size() != b.sums.size()) bad.push_back(at + "sums sizes differ");
    if (again.value != a.value || again.sums != a.sums) bad.push_back(at + "a pass without choices differs");
    if (choice.size() != g.policies() || gap.size() != g.policies()) {
      bad.push_back(at + "choice or gap not one a policy");
      continue;
    }
    size_t choices_differ = 0, gaps_differ = 0;
    for (size_t i = 0; i < g.policies(); ++i) {
      choices_differ += choice[i] != ref_choice[i];
      gaps_differ += !(gap[i] == ref_gap[i]);
    }
    if (choices_differ) bad.push_back(at + std::to_string(choices_differ) + " choices differ");
    if (gaps_differ) bad.push_back(at + std::to_string(gaps_differ) + " runner-up gaps differ");
  }
}

/// Every field of `test` against `ref` on the same grid, over full passes, passes restricted to random
/// row windows (some empty) and full passes again: term magnitudes and term sums to 1e-12 of their
/// scale (Σ_i max_j |φ_t|; the orders of addition differ), choices and runner-up gaps exactly (the
/// per-candidate arithmetic is the same), a pass without choices equal to the bit to one with them
/// (deterministic, nothing depends on what is copied back), and the pass counts.  Returns what differs.
inline std::vector<std::string> compare_grid_backends(GridBackend& test, GridBackend& ref, const GridBook& g) {
  constexpr double tol = 1e-12;
  std::vector<std::string> bad;
  test.upload(g);
  ref.upload(g);
  if (test.terms() != ref.terms())
    return {"terms " + std::to_string(test.terms()) + " vs " + std::to_string(ref.terms())};
  const std::vector<double> scale = ref.term_magnitudes(), magnitudes = test.term_magnitudes();
  for (size_t t = 0; t < scale.size(); ++t)
    if (!(std::fabs(magnitudes[t] - scale[t]) <= tol * scale[t]))
      bad.push_back("term_magnitudes[" + std::to_string(t) + "] " + std::to_string(magnitudes[t]) + " vs " +
                    std::to_string(scale[t]));
  // Full passes, then passes over random row windows (about one policy in five left out), then full again.
  std::vector<uint32_t> window(2 * g.policies());
  Random rng{11 + g.policies()};
  for (size_t i = 0; i < g.policies(); ++i) {
    const auto k = static_cast<uint32_t>(g.offset[i + 1] - g.offset[i]);
    const auto a = static_cast<uint32_t>(rng.uniform() * k), b = static_cast<uint32_t>(rng.uniform() * (k + 1));
    const bool empty = rng.uniform() < 0.2;
    window[2 * i] = std::min(a, b);
    window[2 * i + 1] = empty ? std::min(a, b) : std::max(a + 1, b);  // a < k, b ≤ k: inside the policy's rows
  }
  int case_index = 0;
  for (const int phase : {0, 1, 2}) {
    const bool windowed = phase == 1;
    const bool restricts = test.set_row_window(windowed ? &window : nullptr),
               ref_restricts = ref.set_row_window(windowed ? &window : nullptr);
    if (restricts != ref_restricts) {
      bad.push_back("set_row_window: the backends differ on whether they restrict passes");
      continue;
    }
    compare_passes(test, ref, g, scale, (windowed ? "windowed " : "") + std::string("omega #"), case_index, bad);
  }
  if (test.passes() != ref.passes() + static_cast<int64_t>(case_index))
    bad.push_back("passes " + std::to_string(test.passes()) + " vs " + std::to_string(ref.passes()) + " + " +
                  std::to_string(case_index));
  return bad;
}

/// The shapes both checks run: K of 1, small, 11, 41 and 101 (fixed and varied), each cost column
/// absent, per policy and per row, 0, 1 and 3 constrained columns, ties; sizes around the warp and
/// chunk boundaries.  `small` keeps the sizes for compute-sanitizer.
inline void for_each_shape(bool small, const std::function<void(const std::string& label, const GridShape&)>& f) {
  using Column = GridShape::Column;
  using Ks = std::vector<std::pair<int, int>>;
  const std::vector<size_t> sizes =
      small ? std::vector<size_t>{0, 33, 300} : std::vector<size_t>{0, 1, 31, 33, 1025, 5000};
  const Ks ks =
      small ? Ks{{1, 5}, {2, 41}, {101, 101}} : Ks{{1, 1}, {1, 5}, {11, 11}, {2, 41}, {41, 41}, {101, 101}, {1, 101}};
  int variant = 0;
  for (const auto& [k_min, k_max] : ks)
    for (size_t n : sizes) {
      GridShape s;
      s.policies = k_min >= 41 && n > 1025 ? 1025 : n;  // keeps the CPU reference quick
      s.k_min = k_min, s.k_max = k_max;
      const Column kinds[] = {Column::absent, Column::per_policy, Column::per_row};
      s.loss_cost = kinds[variant % 3];
      s.expense = kinds[(variant + 1) % 3];
      s.extras = variant % 3 == 0 ? 0 : variant % 3 == 1 ? 1 : 3;
      s.ties = variant % 2 == 0;
      ++variant;
      f("n=" + std::to_string(s.policies) + " K=" + std::to_string(k_min) + ".." + std::to_string(k_max) +
            " extras=" + std::to_string(s.extras) + (s.ties ? " ties" : ""),
        s);
    }
}

}  // namespace grid_cases
}  // namespace rateopt
