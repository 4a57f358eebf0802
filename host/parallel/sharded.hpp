// Sharded books and solves across MPI ranks (issue 9): each rank reads and solves a contiguous slice
// of the book's rows; rank 0 gathers what the outputs need and writes them.
#pragma once

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

/// The book file as this rank needs it: the whole book with one rank, this rank's shard
/// (read_book_csv_shard) under mpirun.
Book read_book_across(const std::string& path, const Communicator& comm);

/// optimise() over the ranks' shards of a book read by read_book_across: every rank runs the same
/// algorithm to the same answer; on rank 0 `book` becomes the whole book and the result carries every
/// policy, other ranks keep their shard.  time_limit is refused under mpirun (each rank would read its
/// own clock).  With one rank: optimise(book, options).
SolveResult optimise_across(const Communicator& comm, Book& book, const OptimiseOptions& options);

/// The efficient frontier with its points spread over the ranks in contiguous blocks (each rank
/// solves its block with the whole book, warm-starting within the block).  The whole frontier on
/// rank 0, in point order (passes summed over ranks, seconds the wall time); other ranks get an
/// empty result.  With one rank: efficient_frontier.
FrontierResult efficient_frontier_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                         const FrontierOptions& frontier, const SweepProgress& progress = {});

/// The Pareto surface with its fairness rows spread over the ranks in contiguous blocks; the whole
/// surface, front and TOPSIS choice on rank 0 (other ranks: an empty result).  With one rank:
/// pareto_surface.
ParetoResult pareto_surface_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                   const ParetoOptions& grid, const SweepProgress& progress = {});

/// Elasticity scenarios spread over the ranks in contiguous blocks (each a cold solve, so the answers
/// are exactly those of one process); the whole result on rank 0 (other ranks: empty).  With one
/// rank: run_scenarios.
ScenarioResult run_scenarios_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                    const std::vector<ElasticityScenario>& scenarios,
                                    const SweepProgress& progress = {});

}  // namespace rateopt
