// Sharded books and solves across MPI ranks (issue 9): each rank reads and solves a contiguous slice
// of the book's rows; rank 0 gathers what the outputs need and writes them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parallel/communicator.hpp"
#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/pareto.hpp"
#include "rateopt/scenarios.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

/// This rank's rows of a book CSV: the file is cut at k·size/K bytes, moved forward to the next line
/// start, and rank k reads only the header and the bytes of its slice.  Rows are checked by the same
/// rules as read_book_csv, with the file's own line numbers and default policy ids; group labels are
/// numbered in order of first appearance in the whole file; the positive-elasticity warning counts
/// the whole file.  An error on any rank is an AgreedError on every rank (collective).
/// Limitation: a quoted field holding a line break may be cut between ranks.
Book read_book_csv_shard(const std::string& path, const Communicator& comm);

/// The shards put back together, in rank order (= row order), on rank 0; other ranks get an empty book.
Book gather_book(const Book& shard, const Communicator& comm);

/// The values of every rank, concatenated in rank order, on rank 0 (empty elsewhere).
std::vector<double> gather_values(const std::vector<double>& values, const Communicator& comm);

/// `rateopt optimise` under mpirun: the same outputs as the single-process command, written by rank 0.
/// make_options builds and checks the options (called on every rank).  Returns the exit code.
int run_optimise_sharded(const std::string& book_path, const std::string& out_dir, bool force, bool as_json,
                         const std::function<OptimiseOptions()>& make_options, const Communicator& comm);

/// The efficient frontier with its points spread over the ranks in contiguous blocks (each rank
/// solves its block with the whole book, warm-starting within the block).  The whole frontier on
/// rank 0, in point order (passes summed over ranks, seconds the wall time); other ranks get an
/// empty result.  With one rank: efficient_frontier.
FrontierResult efficient_frontier_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                         const std::string& sweep, double from, double to, int points,
                                         const SweepProgress& progress = {});

/// The Pareto surface with its fairness rows spread over the ranks in contiguous blocks; the whole
/// surface, front and TOPSIS choice on rank 0 (other ranks: an empty result).  With one rank:
/// pareto_surface.
ParetoResult pareto_surface_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                   const std::string& sweep_x, double x_from, double x_to, int nx, double fairness_from,
                                   double fairness_to, int ny, const std::string& metric,
                                   const std::array<double, 3>& weights, const SweepProgress& progress = {});

/// Elasticity scenarios spread over the ranks in contiguous blocks (each a cold solve, so the answers
/// are exactly those of one process); the whole result on rank 0 (other ranks: empty).  With one
/// rank: run_scenarios.
ScenarioResult run_scenarios_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                    const std::vector<ElasticityScenario>& scenarios,
                                    const SweepProgress& progress = {});

}  // namespace rateopt
