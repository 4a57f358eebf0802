// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11): the draw for a counter is a
// pure function of (key, counter), so results do not depend on thread count or on the order in
// which threads (or GPU blocks) reach the counters.  Host and device.
#pragma once

#include <cmath>
#include <cstdint>

#include "rateopt/math/hd.hpp"

namespace rateopt {

struct Philox4x32 {
  uint32_t v[4];
};

/// Philox4x32 with 10 rounds: four 32-bit words for the 128-bit counter and a 64-bit key.
RATEOPT_HD Philox4x32 philox4x32_10(uint64_t key, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  uint32_t x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * x0;
    const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * x2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    x0 = hi1 ^ x1 ^ k0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ k1;
    x3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4x32{{x0, x1, x2, x3}};
}

/// Uniform in (0, 1) from 64 random bits: 53 bits, centred in their cell, so never 0 or 1.
RATEOPT_HD double uniform_open01(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
  return (static_cast<double>(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/// Two independent standard normals (Box–Muller) for counter (c0, c1, c2, c3) under key.
RATEOPT_HD void philox_normal_pair(uint64_t key, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, double& z0,
                                   double& z1) {
  const Philox4x32 r = philox4x32_10(key, c0, c1, c2, c3);
  const double u1 = uniform_open01(r.v[0], r.v[1]), u2 = uniform_open01(r.v[2], r.v[3]);
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 6.283185307179586 * u2;
  z0 = radius * std::cos(angle);
  z1 = radius * std::sin(angle);
}

}  // namespace rateopt
