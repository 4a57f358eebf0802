// Ratebook mode's inner pieces: the variables and their linear constraints, the book grouped into cells
// (policies sharing every level), and the passes over those cells.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "optimise/problem.hpp"
#include "ratebook/active_set_qp.hpp"
#include "rateopt/ratebook.hpp"

namespace rateopt {

/// The variables θ: index 0 the base, then each ratebook factor's levels in ratebook order.
struct RatebookVariables {
  std::vector<int> factor_offset;            ///< variable of factor f's first level
  std::vector<std::string> factor, level;    ///< per variable ("base", "" for the base)
  std::vector<double> current;               ///< current relativity per variable (1 for the base)
  std::vector<double> lo, hi;                ///< bounds on θ (log of new/current), ±inf when unbounded
  std::vector<double> lo_factor, hi_factor;  ///< the same as factors on the relativity, as given (0, inf: none)
  std::vector<unsigned char> fixed;          ///< held at θ = 0
  std::vector<int64_t> policies;             ///< policies at each level (all for the base)
  struct Order {
    int lower, upper;  ///< new relativity of `lower` ≤ that of `upper`: θ_lower − θ_upper ≤ gap
    double gap;        ///< log current(upper) − log current(lower)
  };
  std::vector<Order> orders;
  struct Smooth {
    int first, second;  ///< neighbouring levels: |θ_second − θ_first| ≤ delta
    double delta;
  };
  std::vector<Smooth> smooth;
  int size() const { return static_cast<int>(current.size()); }
};

/// Policies grouped by their combination of levels ("cells"); a cell's multiplier factor is
/// exp(s_c), s_c = θ_base + Σ_f θ_{f, level}.
struct RatebookCells {
  int n_factors = 0;
  std::vector<int32_t> variables;  ///< cells × (n_factors + 1): the variables summed into s_c (base first)
  std::vector<uint64_t> start;     ///< policies of cell c: policy[start[c], start[c+1])
  std::vector<uint64_t> policy;
  std::vector<double> log_lo, log_hi;  ///< s_c within [log_lo, log_hi]: every policy's box, as log(bound/prior)
  int64_t size() const { return static_cast<int64_t>(start.size()) - 1; }
  const int32_t* cell_variables(int64_t c) const { return &variables[static_cast<size_t>(c) * (n_factors + 1)]; }
};

/// Level index per factor and policy, checked against the ratebook (InputError naming file:line).
std::vector<std::vector<int32_t>> assign_levels(const BookView& book, const FactorColumns& factors,
                                                const Ratebook& ratebook);
/// The variables with the options' bounds, fixes and orders (InputError for a name the ratebook lacks).
RatebookVariables ratebook_variables(const Ratebook& ratebook, const std::vector<std::vector<int32_t>>& levels,
                                     const RatebookOptions& options);
/// Cells of the book, with the per-policy boxes of the prepared problem folded into each cell.
RatebookCells build_cells(const std::vector<std::vector<int32_t>>& levels, const RatebookVariables& variables,
                          const Problem& problem, const BookView& book);

/// What a pass returns: T, and with prices ω also dT/dθ (K × n) and Σ_i d²(ω·φ_i)/dθ² (n × n).
struct RatebookPass {
  Vec T;
  Mat J, H;
};
/// One pass over the book at θ, in parallel over cells and added up in cell order (independent of the
/// number of threads).  omega == nullptr: T only.
void ratebook_pass(const Problem& problem, const RatebookCells& cells, const BookView& book, const Vec& theta,
                   const Vec* omega, int n_variables, int threads, RatebookPass& out);
/// Every policy's multiplier at θ.
std::vector<double> ratebook_multipliers(const RatebookCells& cells, const BookView& book, const Vec& theta);

/// The linear constraints of θ other than its bounds: the monotone orders, the smoothness limits (two rows
/// each: θ_second − θ_first ≤ δ, then θ_first − θ_second ≤ δ) and each cell's box, in that order.
SparseRows ratebook_rows(const RatebookVariables& variables, const RatebookCells& cells);

}  // namespace rateopt
