// Stopping a solve between passes at the caller's request (rateopt::StopRequest).
#pragma once

#include <memory>

#include "optimise/backend/backend.hpp"
#include "rateopt/solve.hpp"

namespace rateopt {

/// `inner`, asking should_stop before every pass over the book and throwing Cancelled when it says
/// true; `inner` itself when should_stop is empty.
std::unique_ptr<Backend> make_stoppable_backend(std::unique_ptr<Backend> inner, StopRequest should_stop);

}  // namespace rateopt
