// One policy's multiplier box, the bound rules applied in their documented order.  The solve and the
// pricing rule both call policy_box(), so a quote priced by the rule sits in the very box the solve
// gave the same policy.
#pragma once

#include <cmath>
#include <cstdint>

#include "rateopt/options.hpp"

namespace rateopt {

/// The options that make a policy's box, as plain numbers (no allocation, cheap to copy).
struct BoundRules {
  double min_multiplier = 0.5;
  double max_multiplier = 3.0;
  bool technical_floor = true;
  bool has_max_rate_change = false;
  double max_rate_change = 0;
  bool has_enbp_buffer = false;
  double enbp_buffer = 0;
};

inline BoundRules bound_rules(const OptimiseOptions& o) {
  BoundRules r;
  r.min_multiplier = o.min_multiplier;
  r.max_multiplier = o.max_multiplier;
  r.technical_floor = o.technical_floor;
  r.has_max_rate_change = o.max_rate_change.has_value();
  r.max_rate_change = o.max_rate_change.value_or(0.0);
  r.has_enbp_buffer = o.enbp_buffer.has_value();
  r.enbp_buffer = o.enbp_buffer.value_or(0.0);
  return r;
}

/// Which rule set a side of the box (the last one that moved it).
enum class BoundSource : uint8_t { min_multiplier, max_multiplier, technical_floor, max_rate_change, enbp };
template <>
struct EnumNames<BoundSource> {
  static constexpr std::array<const char*, 5> names{"min_multiplier", "max_multiplier", "technical_floor",
                                                    "max_rate_change", "enbp"};
};

struct PolicyBox {
  double lb = 0, ub = 0;
  BoundSource lower = BoundSource::min_multiplier, upper = BoundSource::max_multiplier;
  bool has_enbp_cap = false;  ///< a renewal with an ENBP: ub ≤ enbp/tc·(1−buffer)
  bool conflict = false;      ///< lb was above ub and the upper bound won (lb = ub)
  bool missing_enbp = false;  ///< a renewal without an ENBP while an ENBP buffer is set (an input error)
  /// A cap (ENBP or the rate-change limit) below min_multiplier: the box is never left, since the demand
  /// model is not trusted there (demand far above 1, retention above 100%), so this is an input error.
  bool cap_below_box = false;
};

/// The box of one policy: [min, max] multiplier, the technical floor, the rate-change cap around the prior
/// multiplier, the ENBP cap for renewals with an ENBP (enbp NaN = none), then lb > ub resolved by the
/// upper bound.
inline PolicyBox policy_box(const BoundRules& r, double technical_price, double prior_multiplier, bool renewal,
                            double enbp) {
  PolicyBox box;
  box.lb = r.min_multiplier;
  box.ub = r.max_multiplier;
  if (r.technical_floor && 1.0 > box.lb) {
    box.lb = 1.0;
    box.lower = BoundSource::technical_floor;
  }
  if (r.has_max_rate_change) {
    const double down = prior_multiplier * (1.0 - r.max_rate_change);
    const double up = prior_multiplier * (1.0 + r.max_rate_change);
    if (down > box.lb) {
      box.lb = down;
      box.lower = BoundSource::max_rate_change;
    }
    if (up < box.ub) {
      box.ub = up;
      box.upper = BoundSource::max_rate_change;
    }
  }
  if (renewal) {
    if (!std::isnan(enbp)) {
      // the cap, nudged down so that m·tc ≤ enbp·(1−buffer) holds exactly in floating point
      const double cap_price = enbp * (1.0 - r.enbp_buffer);
      double cap = cap_price / technical_price;
      while (cap * technical_price > cap_price) cap = std::nextafter(cap, 0.0);
      box.has_enbp_cap = true;
      if (cap < box.ub) {
        box.ub = cap;
        box.upper = BoundSource::enbp;
      }
    } else if (r.has_enbp_buffer) {
      box.missing_enbp = true;
    }
  }
  box.cap_below_box = box.ub < r.min_multiplier;
  if (box.lb > box.ub) {  // the ENBP (or the last upper bound) wins over the floors
    box.lb = box.ub;
    box.lower = box.upper;
    box.conflict = true;
  }
  return box;
}

}  // namespace rateopt
