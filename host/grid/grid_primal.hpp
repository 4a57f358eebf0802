// The grid solve's primal answer: from the dual's cutting planes to one candidate per policy that meets
// every constraint.  The master's weights mix at most m + 1 of the pass choices; the LP over the
// policies those choices disagree on gives a vertex with at most m split policies; rounding those
// (every combination of their candidates) usually meets every constraint.  When it does not (with two
// binding rows each rounding tends to break one of them by a hair), the LP is solved again with its limits
// lowered by what the split policies can swing, so that a rounding must hold; then single-policy
// exchanges; a small branch and bound over the split policies and the cheapest policies to move is the
// last resort.  The backend may still hold the dual's row windows (grid_window.hpp), exact at the cuts'
// points; the pass that needs each policy's runner-up clears them.
#pragma once

#include <functional>
#include <optional>
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
  /// The policies the basic cuts disagree on, each with the candidates they choose (sorted), every other
  /// policy as the first basic cut chooses it.
  struct Disputed {
    std::vector<size_t> policies;
    std::vector<std::vector<size_t>> rows;
  };
  /// A vertex of the LP over the disputed policies: the policies it splits and the candidates each mixes.
  struct Vertex {
    std::vector<size_t> split;
    std::vector<std::vector<size_t>> support;
  };
  bool relaxation_and_rounding(const CutResult& dual, Disputed& disputed, Vertex& vertex, std::vector<int32_t>& choice,
                               GridResult& res);
  /// The LP's vertex with each row's limit lowered by tighten[k] (normalised; nullptr: none); choice takes
  /// each disputed policy's heaviest candidate.  False when that LP has no answer.
  bool solve_vertex(const Disputed& disputed, const std::vector<double>* tighten, std::vector<int32_t>& choice,
                    Vertex& vertex) const;
  /// Per row, Σ over the split policies of the largest change of the row between their mixed candidates:
  /// what any rounding of the vertex can move the row by.
  std::vector<double> swing(const Vertex& vertex) const;
  bool tighten_and_round(Disputed& disputed, Vertex& vertex, std::vector<int32_t>& choice, GridResult& res) const;
  bool round_split(const std::vector<size_t>& split, const std::vector<std::vector<size_t>>& support,
                   std::vector<int32_t>& choice) const;
  /// Single-policy moves among the policies cheapest to move, each the least profit per violation removed
  /// that breaks no constraint holding; true once every constraint holds (moves: how many it made).
  bool exchange(std::vector<int32_t>& choice, int& moves) const;
  /// The programme choosing, for each policy set[s], one of rows[s] (columns in that order), every other
  /// policy as in choice: one-hot rows, the constraints on what the others leave (each limit lowered by
  /// tighten[k] when given), profit over F.
  SparseProgram restricted_program(const std::vector<size_t>& set, const std::vector<std::vector<size_t>>& rows,
                                   const std::vector<int32_t>& choice, bool integer, double* others_profit = nullptr,
                                   const std::vector<double>* tighten = nullptr) const;
  /// Branch and bound over `set` (every candidate of those policies), the others as in choice; stopped
  /// after `seconds` or `nodes` nodes (0: no node limit).
  ProgramSolution::Status choose_by_mip(const std::vector<size_t>& set, std::vector<int32_t>& choice, double seconds,
                                        int nodes, double* bound = nullptr) const;
  bool repair(const std::vector<size_t>& start, std::vector<int32_t>& choice, GridResult& res) const;
  void improve(const std::vector<size_t>& split, double bound, std::vector<int32_t>& choice, GridResult& res) const;
  /// Policies by their Lagrangian cost of moving off their choice at the dual's multipliers, cheapest
  /// first (one pass, made once).
  const std::vector<size_t>& cheapest_to_move() const;
  /// start and the first `extra` of order; empty when its candidates pass exact_max_candidates.
  std::vector<size_t> neighbourhood(const std::vector<size_t>& start, const std::vector<size_t>& order,
                                    size_t extra) const;
  /// start and the policies of order, in turn, while their candidates stay within `candidates`.
  std::vector<size_t> neighbourhood_of_candidates(const std::vector<size_t>& start, const std::vector<size_t>& order,
                                                  size_t candidates) const;
  size_t candidates_of(const std::vector<size_t>& set) const;
  bool exact(std::vector<int32_t>& choice, GridResult& res) const;
  std::optional<bool> exact_by_knapsack(std::vector<int32_t>& choice, GridResult& res) const;
  bool holds(const std::vector<double>& S) const;
  double row_value(size_t k, const double* phi) const;

  const GridBook& g_;
  const GridProblem& P_;
  GridBackend& be_;
  const GridScales& scales_;
  const GridOptions& o_;
  OmegaFor omega_for_;
  std::vector<double> omega_;                   // the term prices at the dual's best multipliers
  mutable std::vector<size_t> cheapest_order_;  // cheapest_to_move's, once made
};

}  // namespace rateopt
