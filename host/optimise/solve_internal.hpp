// Pieces of optimise() that the sweeps reuse.
#pragma once

#include <chrono>
#include <memory>

#include "optimise/backend/backend.hpp"
#include "optimise/problem.hpp"
#include "parallel/communicator.hpp"
#include "rateopt/options.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/result.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/solve.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

/// The backend for options.device, with the policies uploaded; records in result what was asked
/// for, what runs and why.  auto uses the GPU when one is usable and the book fits, otherwise the
/// CPU; an explicit cuda without a usable GPU is a DeviceError (exit 4).
std::unique_ptr<Backend> choose_backend(const OptimiseOptions& options, const PolicyArrays& policies,
                                        SolveResult& result);

/// The solve of optimise() on this rank's shard of the book (the whole book with one rank): the
/// problem's book-wide sums and every pass's sums are reduced over comm, so every rank runs the same
/// algorithm to the same answer.  The result's portfolio figures are the whole book's; its
/// per-policy vectors (multiplier, bounds) are the shard's.  Collective; input errors arrive on
/// every rank as AgreedError.  seconds_prepare counts from start.
/// should_stop as in optimise().
SolveResult optimise_shard(const BookView& shard, const OptimiseOptions& options, const Communicator& comm,
                           std::chrono::steady_clock::time_point start, const StopRequest& should_stop = {});

/// The rest of optimise() once the per-policy vectors of the whole book are in result: ENBP
/// evidence, demand above one, their warnings, seconds_total from start.
void complete_result(const BookView& book, const OptimiseOptions& options, SolveResult& result,
                     std::chrono::steady_clock::time_point start);

/// One point of a sweep on a problem already prepared and uploaded: rebuild the constraints for
/// `options`, solve from `start_lambda` (empty: a cold start) and leave this point's multipliers in
/// `lambda`, cleared when the point did not converge (its multipliers would mislead the next point).
struct SweepPointSolve {
  SolveResult result;
  int64_t passes = 0;
  double seconds = 0;
  PointSummary summary() const { return point_summary(result, passes, seconds); }
};
SweepPointSolve solve_sweep_point(Problem& problem, const BookView& book, Backend& backend,
                                  const OptimiseOptions& options, const std::vector<double>& start_lambda,
                                  std::vector<double>& lambda);

/// Points [first, end) of the frontier efficient_frontier(book, options, frontier) would compute
/// (same grid, same checks), warm-starting from one another as it does; an empty range solves
/// nothing.  Lets ranks of an MPI job each take a contiguous block of the points.
FrontierResult efficient_frontier_points(const BookView& book, const OptimiseOptions& options,
                                         const FrontierOptions& frontier, int first, int end,
                                         const SweepProgress& progress = {});

/// Rows [first_row, end_row) of fairness_max of the grid pareto_surface would solve (same checks,
/// same warm starts along each row); surface holds those rows only, front and choice are left empty.
ParetoResult pareto_surface_rows(const BookView& book, const OptimiseOptions& options, const ParetoOptions& grid,
                                 int first_row, int end_row, const SweepProgress& progress = {});
/// The warning for policies priced at a cap below their floor (SolveResult::n_bound_conflicts).
std::string bound_conflict_warning(int64_t conflicts);

/// The warnings every point of a sweep shares, from its setup: the setup's own and the bound
/// conflicts.  A sweep of retention_min over a book without renewals is an InputError (every point
/// would be the same solve).
std::vector<std::string> sweep_setup_warnings(const BookView& book, const Problem& problem, const SolveResult& setup,
                                              SweptConstraint swept);

/// The non-dominated set and TOPSIS choice of a whole surface (marks on_front).
void pareto_choose(ParetoResult& result);

/// Scenarios [first, end) of run_scenarios (same checks, same cold solves); no percentiles.  The
/// result's warnings start with the shared setup's, *setup_warnings of them (when not null).
ScenarioResult run_scenario_block(const BookView& book, const OptimiseOptions& options,
                                  const std::vector<ElasticityScenario>& scenarios, size_t first, size_t end,
                                  size_t* setup_warnings, const SweepProgress& progress = {});
/// Profit and per-policy multiplier p10/mean/p90 over the converged scenarios of a whole run of a
/// book of n policies (threads as OptimiseOptions::threads).
void scenario_percentiles(ScenarioResult& result, size_t n, int threads);

}  // namespace rateopt
