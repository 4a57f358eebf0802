// The few collective operations a sharded solve needs (issue 9), over MPI when the program was
// launched by mpirun or srun and built with MPI, and a serial stand-in otherwise.
//
// Every reduction is deterministic: per-rank values are gathered on every rank and combined in rank
// order, so all ranks hold bit-identical results and a run's answer does not depend on MPI's choice
// of reduction tree.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> allgather(const std::string& bytes) const = 0;
  /// Rank 0 calls consume(rank, bytes) for each rank in order (its own first), receiving one rank's
  /// bytes at a time so that it never holds them all; other ranks send theirs and return.
  virtual void gather_to_root(const std::string& bytes,
                              const std::function<void(int, const std::string&)>& consume) const = 0;

  /// Element-wise sums of equal-length vectors, added in rank order; the result on every rank.
  void sum(std::vector<double>& values) const;
  /// Largest value over ranks.
  double max(double value) const;
  /// Sum of values of ranks below this one (an exclusive scan).
  uint64_t sum_below(uint64_t value) const;
  /// Rank 0's bytes on every rank.
  std::string broadcast(const std::string& bytes) const;
};

/// The communicator of this process: MPI_COMM_WORLD inside a ParallelSession under mpirun, else serial.
const Communicator& world();
/// A communicator of one rank (what world() is without MPI).
const Communicator& serial_communicator();

/// Starts MPI when the process was launched by an MPI launcher and the build has MPI; finalises it
/// on destruction.  Construct once, first thing in main().
class ParallelSession {
 public:
  ParallelSession(int& argc, char**& argv);
  ~ParallelSession();
  ParallelSession(const ParallelSession&) = delete;
  ParallelSession& operator=(const ParallelSession&) = delete;
};

/// An error every rank agreed on (run_agreed): rank 0 reports it and every rank exits with its code.
class AgreedError : public Error {
 public:
  AgreedError(const std::string& message, int exit_code) : Error(message, exit_code) {}
};

/// Thrown by a rank whose own step succeeded while another rank's failed (a collective told it so).
class PeerFailed : public Error {
 public:
  PeerFailed() : Error("another rank failed", 2) {}
};

/// Run step on every rank.  If it throws on any rank, every rank throws AgreedError carrying the
/// error of the lowest rank that failed for a reason of its own, so no rank is left waiting in a
/// collective the others will never reach.  With one rank the step's own exception passes through.
void run_agreed(const Communicator& comm, const std::function<void()>& step);

/// main()'s last word on an error: prints it (an AgreedError on rank 0 only, anything else on every
/// rank that has it, prefixed with the rank), and returns the exit code; under MPI a rank with an
/// error the others do not know about aborts the job rather than leave them waiting.
int report_failure(const std::string& message, int exit_code, bool agreed);

/// The backend wrapped so that every pass's sums are reduced over comm (T, h_sum, curvature, r,
/// gᵀΔ⁻¹g and n_free summed in rank order, max_projected_gradient the maximum): each rank holds a
/// shard of the book and the algorithm above sees the whole book's sums.
std::unique_ptr<Backend> make_sharded_backend(std::unique_ptr<Backend> local, const Communicator& comm);

}  // namespace rateopt
