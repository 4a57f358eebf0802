// The CPU backend's vector passes: the per-policy passes of policy_passes-inl.hpp run on several
// policies at once, with the instruction set chosen at run time (Google Highway's dynamic dispatch:
// AVX-512, AVX2, SSE4 or plain C++).  No Highway type appears here, so nothing else sees Highway.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"

namespace rateopt {
namespace simd {

enum class PassKind { evaluate, argmax, newton_system, newton_trial };

/// One pass over policies [begin, end) of a book: end − begin is a multiple of lanes().
struct PassArgs {
  PassKind kind = PassKind::evaluate;
  const PolicyArrays* policies = nullptr;
  size_t begin = 0, end = 0;
  const double* m = nullptr;      ///< current multipliers
  double* trial = nullptr;        ///< trial point out (argmax, newton_trial)
  const double* omega = nullptr;  ///< prices on the basis sums
  const double* z = nullptr;      ///< newton_trial's low-rank correction
  double alpha = 0;               ///< newton_trial's step length
  bool want_curvature = false;    ///< argmax: add the curvature sums
};

/// Adds the policies' contributions to part (sized for the basis): the sums over [begin, end) in a
/// fixed order (lane-wise partial sums, lanes added in lane order), so the result depends on the
/// instruction set only through round-off, never on threads.
void run_pass(const PassArgs& args, PassSums& part);

/// Policies per vector on this machine (1 where only the plain C++ target runs).
size_t lanes();

/// The instruction set the vector passes use on this machine, e.g. "AVX2".
std::string target_name();

/// The instruction sets compiled in that this machine can run, best first (e.g. AVX2, SSE4, EMU128).
std::vector<std::string> runnable_targets();

/// For tests: makes the dispatch use only the named instruction set (one of runnable_targets()), or
/// the best again for "".  Backends made afterwards use it.
void use_only_target(const std::string& name);

}  // namespace simd
}  // namespace rateopt
