// `rateopt optimise` sharded across MPI ranks (issue 9).
#include "parallel/sharded.hpp"

#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "io/files.hpp"
#include "optimise/solve_internal.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"
#include "rateopt/solve.hpp"
#include "sweeps/point_json.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

// What every rank's block of a sweep carries to rank 0 besides its points.
template <class Result>
Json backend_facts(const Result& mine) {
  return Json{{"passes", mine.passes},
              {"backend", mine.backend_used},
              {"device", mine.device_name},
              {"fallback", mine.fallback_reason}};
}

// Adds a rank's passes; the backend reported is rank 0's (or the first rank's that solved anything).
template <class Result>
void merge_backend_facts(int rank, const Json& part, Result& all) {
  all.passes += part["passes"].get<int64_t>();
  if (rank == 0 || all.backend_used.empty()) {
    all.backend_used = part["backend"].get<std::string>();
    all.device_name = part["device"].get<std::string>();
    all.fallback_reason = part["fallback"].get<std::string>();
  }
}

// Every rank's points and backend facts, gathered into `all` and `all_points` on rank 0 in rank order
// (= point order, the blocks being contiguous); the setup's warnings, the same on every rank that
// solved a point, from the first such rank.
template <class Result, class Point, class ToJson, class FromJson>
void gather_points(const Communicator& comm, const Result& mine, const std::vector<Point>& points, ToJson to_json,
                   FromJson from_json, Result& all, std::vector<Point>& all_points) {
  Json facts = backend_facts(mine);
  facts["points"] = Json::array();
  for (const Point& p : points) facts["points"].push_back(to_json(p));
  facts["warnings"] = mine.warnings;
  bool warnings_seen = false;
  comm.gather_to_root(facts.dump(), [&](int rank, const std::string& text) {
    const Json part = Json::parse(text);
    merge_backend_facts(rank, part, all);
    if (!warnings_seen && !part["points"].empty()) {
      all.warnings = part["warnings"].get<std::vector<std::string>>();
      warnings_seen = true;
    }
    for (const Json& j : part["points"]) all_points.push_back(from_json(j));
  });
}

}  // namespace

Book read_book_across(const std::string& path, const Communicator& comm) {
  if (comm.size() == 1) return read_book_csv(path);
  Book shard = read_book_csv_shard(path, comm);
  // The ranks read disjoint parts of the file; rank 0, which writes the audit, hashes it whole now,
  // while the file is being read, not after the solve.  (A pipe cannot be sharded: the shard reader
  // has already refused one.)
  run_agreed(comm, [&] {
    if (comm.rank() == 0) shard.source_sha256 = sha256_file(path);
  });
  return shard;
}

SolveResult optimise_across(const Communicator& comm, Book& book, const OptimiseOptions& options) {
  if (comm.size() == 1) return optimise(book, options);
  run_agreed(comm, [&] {
    // Each rank would read its own clock: they must stop at the same pass.
    if (options.time_limit)
      throw InputError("option time_limit: not available under mpirun (ranks must stop at the same pass)");
  });
  // Timed from here, as optimise() is: the solve, not the reading.
  const auto solve_start = std::chrono::steady_clock::now();
  SolveResult result = optimise_shard(book, options, comm, solve_start);
  // Rank 0 puts the book and the per-policy vectors back together, in row order.
  Book whole = gather_book(book, comm);
  whole.source_sha256 = book.source_sha256;
  result.multiplier = gather_values(result.multiplier, comm);
  result.lower_bound = gather_values(result.lower_bound, comm);
  result.upper_bound = gather_values(result.upper_bound, comm);
  if (comm.rank() != 0) return result;
  book = std::move(whole);
  complete_result(book, options, result, solve_start);
  return result;
}

FrontierResult efficient_frontier_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                         const FrontierOptions& frontier, const SweepProgress& progress) {
  if (comm.size() == 1) return efficient_frontier(book, options, frontier, progress);
  const int points = frontier.points;
  const auto start = std::chrono::steady_clock::now();
  const auto block_start = [&](int r) { return static_cast<int>(static_cast<int64_t>(points) * r / comm.size()); };
  FrontierResult mine;
  run_agreed(comm, [&] {
    mine = efficient_frontier_points(book, options, frontier, block_start(comm.rank()), block_start(comm.rank() + 1),
                                     comm.rank() == 0 ? progress : SweepProgress());
  });
  FrontierResult all;
  all.sweep = *frontier.sweep;
  gather_points(comm, mine, mine.points, frontier_point_json, frontier_point_from_json, all, all.points);
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all;
}

ParetoResult pareto_surface_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                   const ParetoOptions& grid, const SweepProgress& progress) {
  if (comm.size() == 1) return pareto_surface(book, options, grid, progress);
  const int ny = grid.points_y;
  const auto start = std::chrono::steady_clock::now();
  const auto block_start = [&](int r) { return static_cast<int>(static_cast<int64_t>(ny) * r / comm.size()); };
  ParetoResult mine;
  run_agreed(comm, [&] {
    mine = pareto_surface_rows(book, options, grid, block_start(comm.rank()), block_start(comm.rank() + 1),
                               comm.rank() == 0 ? progress : SweepProgress());
  });
  ParetoResult all = mine;
  all.surface.clear();
  all.passes = 0;
  gather_points(comm, mine, mine.surface, pareto_point_json, pareto_point_from_json, all, all.surface);
  if (comm.rank() != 0) return ParetoResult();
  pareto_choose(all);
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all;
}

ScenarioResult run_scenarios_across(const Communicator& comm, const Book& book, const OptimiseOptions& options,
                                    const std::vector<ElasticityScenario>& scenarios, const SweepProgress& progress) {
  if (comm.size() == 1) return run_scenarios(book, options, scenarios, progress);
  const auto start = std::chrono::steady_clock::now();
  const auto block_start = [&](int r) { return scenarios.size() * static_cast<size_t>(r) / comm.size(); };
  ScenarioResult mine;
  size_t setup_warnings = 0;
  run_agreed(comm, [&] {
    mine = run_scenario_block(book, options, scenarios, block_start(comm.rank()), block_start(comm.rank() + 1),
                              &setup_warnings, comm.rank() == 0 ? progress : SweepProgress());
  });
  Json rows = Json::array();
  for (const ScenarioSummary& s : mine.scenarios) rows.push_back(scenario_summary_json(s));
  Json facts = backend_facts(mine);
  facts["scenarios"] = rows;
  facts["setup_warnings"] = setup_warnings;
  facts["warnings"] = mine.warnings;
  // [JSON length][JSON][each scenario's multipliers]
  std::string bytes = facts.dump();
  const uint64_t json_length = bytes.size();
  bytes.insert(0, reinterpret_cast<const char*>(&json_length), sizeof json_length);
  for (const std::vector<double>& m : mine.multipliers)
    bytes.append(reinterpret_cast<const char*>(m.data()), m.size() * sizeof(double));

  ScenarioResult all;
  all.options = options;
  bool setup_seen = false;
  comm.gather_to_root(bytes, [&](int rank, const std::string& part) {
    uint64_t length = 0;
    std::memcpy(&length, part.data(), sizeof length);
    const Json j = Json::parse(part.substr(sizeof length, length));
    merge_backend_facts(rank, j, all);
    const auto& warnings = j["warnings"];
    // the shared setup's warnings once, from the first rank that had scenarios
    const size_t skip = setup_seen ? j["setup_warnings"].get<size_t>() : 0;
    setup_seen |= !j["scenarios"].empty();
    for (size_t w = skip; w < warnings.size(); ++w) all.warnings.push_back(warnings[w].get<std::string>());
    size_t at = sizeof length + length;
    for (const Json& r : j["scenarios"]) {
      all.scenarios.push_back(scenario_summary_from_json(r));
      std::vector<double> m(book.size());
      std::memcpy(m.data(), part.data() + at, m.size() * sizeof(double));
      at += m.size() * sizeof(double);
      all.multipliers.push_back(std::move(m));
    }
  });
  if (comm.rank() != 0) return ScenarioResult();
  scenario_percentiles(all, book.size(), options.threads);
  all.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all;
}

}  // namespace rateopt
