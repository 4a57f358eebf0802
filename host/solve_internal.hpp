// Pieces of optimise() that the sweeps reuse.
#pragma once

#include <memory>

#include "backend.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// The backend for options.device, with the policies uploaded; records in result what was asked
/// for, what runs and why.  auto uses the GPU when one is usable and the book fits, otherwise the
/// CPU; an explicit cuda without a usable GPU is a DeviceError (exit 4).
std::unique_ptr<Backend> choose_backend(const OptimiseOptions& options, const PolicyArrays& policies,
                                        SolveResult& result);

}  // namespace rateopt
