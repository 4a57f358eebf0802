// The grid solve's primal answer: from the dual's cutting planes to one candidate per policy that meets
// every constraint.  The master's weights mix at most m + 1 of the pass choices; the LP over the
// policies those choices disagree on gives a vertex with at most m split policies; rounding those
// (every combination of their candidates) usually meets every constraint, and a small branch and bound
// over the split policies and the cheapest policies to move repairs it when it does not.  The backend may
// still hold the dual's row windows (grid_window.hpp), exact at the cuts' points; the pass that needs
// each policy's runner-up clears them.
#pragma once

#include <functional>
#include <vector>

#include "grid/coin.hpp"
#include "grid/cutting_planes.hpp"
#include "grid/grid_backend.hpp"
#include "grid/grid_problem.hpp"

namespace rateopt {

/// Normalisation of the solve: profit over F, row k over its scale s_k.
struct GridScales {
  double profit = 1;
  std::vector<double> row;
};

class GridPrimal {
 public:
  using OmegaFor = std::function<std::vector<double>(const std::vector<double>&)>;
  GridPrimal(const GridBook& grid, const GridProblem& problem, GridBackend& backend, const GridScales& scales,
             const GridOptions& options, OmegaFor omega_for);
  /// Fills result.choice, split, n_split, repair_policies, method and, when no answer is found or the
  /// integer problem is proven infeasible, status and message.  True when the choice meets every constraint.
  bool run(const CutResult& dual, GridResult& result);

 private:
  bool relaxation_and_rounding(const CutResult& dual, std::vector<int32_t>& choice, GridResult& res);
  bool round_split(const std::vector<size_t>& split, const std::vector<std::vector<size_t>>& support,
                   std::vector<int32_t>& choice) const;
  /// The programme choosing, for each policy set[s], one of rows[s] (columns in that order), every other
  /// policy as in choice: one-hot rows, the constraints on what the others leave, profit over F.
  SparseProgram restricted_program(const std::vector<size_t>& set, const std::vector<std::vector<size_t>>& rows,
                                   const std::vector<int32_t>& choice, bool integer,
                                   double* others_profit = nullptr) const;
  /// Branch and bound over `set` (every candidate of those policies), the others as in choice.
  ProgramSolution::Status choose_by_mip(const std::vector<size_t>& set, std::vector<int32_t>& choice, double seconds,
                                        double* bound = nullptr) const;
  bool repair(const std::vector<size_t>& start, const std::vector<double>& omega, std::vector<int32_t>& choice,
              GridResult& res) const;
  void improve(const std::vector<size_t>& split, const std::vector<double>& omega, double bound,
               std::vector<int32_t>& choice, GridResult& res) const;
  /// Policies by their Lagrangian cost of moving off their choice at ω, cheapest first.
  std::vector<size_t> cheapest_to_move(const std::vector<double>& omega) const;
  /// start and the first `extra` of order; empty when its candidates pass exact_max_candidates.
  std::vector<size_t> neighbourhood(const std::vector<size_t>& start, const std::vector<size_t>& order,
                                    size_t extra) const;
  bool exact(std::vector<int32_t>& choice, GridResult& res) const;
  bool holds(const std::vector<double>& S) const;
  double row_value(size_t k, const double* phi) const;

  const GridBook& g_;
  const GridProblem& P_;
  GridBackend& be_;
  const GridScales& scales_;
  const GridOptions& o_;
  OmegaFor omega_for_;
};

}  // namespace rateopt
