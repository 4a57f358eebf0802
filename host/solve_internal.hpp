// Pieces of optimise() that the sweeps reuse.
#pragma once

#include <memory>

#include "backend.hpp"
#include "problem.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// The backend for options.device, with the policies uploaded; records in result what was asked
/// for, what runs and why.  auto uses the GPU when one is usable and the book fits, otherwise the
/// CPU; an explicit cuda without a usable GPU is a DeviceError (exit 4).
std::unique_ptr<Backend> choose_backend(const OptimiseOptions& options, const PolicyArrays& policies,
                                        SolveResult& result);

/// One point of a sweep on a problem already prepared and uploaded: rebuild the constraints for
/// `options`, solve from `start_lambda` (empty: a cold start) and leave this point's multipliers in
/// `lambda`, cleared when the point did not converge (its multipliers would mislead the next point).
struct SweepPointSolve {
  SolveResult result;
  int64_t passes = 0;
  double seconds = 0;
};
SweepPointSolve solve_sweep_point(Problem& problem, const Book& book, Backend& backend, const OptimiseOptions& options,
                                  const std::vector<double>& start_lambda, std::vector<double>& lambda);

}  // namespace rateopt
