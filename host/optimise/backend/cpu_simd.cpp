// The vector passes of the CPU backend (cpu_simd.hpp).  Highway compiles this file once per instruction
// set (foreach_target.h includes it again for each) and picks the best one the machine has at run time.
// The formulas and the passes are policy_formulas-inl.hpp and policy_passes-inl.hpp, included inside
// each instruction set's namespace and instantiated with the vector type Vd below: the same source the
// scalar path and the CUDA kernels instantiate with double.
#include "optimise/backend/cpu_simd.hpp"

// SSSE3 adds nothing over SSE4 for doubles; fewer targets keep this file quick to compile.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS HWY_SSSE3
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "optimise/backend/cpu_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
// foreach_target.h must come first
#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "rateopt/math/policy_passes.hpp"

HWY_BEFORE_NAMESPACE();
namespace rateopt {
namespace simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using math::DemandKind;
using math::MaskOf;
namespace basis = math::basis;

using Tag = hn::ScalableTag<double>;

/// A comparison of Vd lanes.
struct VMask {
  hn::Mask<Tag> m;
};

/// Several policies' values of one quantity: the V of the formulas.  Doubles convert implicitly, so the
/// formulas' constants (2.0 * x) read as they do for one policy.
struct Vd {
  using Mask = VMask;
  hn::Vec<Tag> v;
  Vd() = default;
  Vd(hn::Vec<Tag> x) : v(x) {}
  Vd(double c) : v(hn::Set(Tag(), c)) {}
};

HWY_INLINE Vd operator+(Vd a, Vd b) { return hn::Add(a.v, b.v); }
HWY_INLINE Vd operator-(Vd a, Vd b) { return hn::Sub(a.v, b.v); }
HWY_INLINE Vd operator*(Vd a, Vd b) { return hn::Mul(a.v, b.v); }
HWY_INLINE Vd operator/(Vd a, Vd b) { return hn::Div(a.v, b.v); }
HWY_INLINE Vd operator-(Vd a) { return hn::Neg(a.v); }
HWY_INLINE VMask operator<(Vd a, Vd b) { return VMask{a.v < b.v}; }
HWY_INLINE VMask operator<=(Vd a, Vd b) { return VMask{a.v <= b.v}; }
HWY_INLINE VMask operator>(Vd a, Vd b) { return VMask{a.v > b.v}; }
HWY_INLINE VMask operator>=(Vd a, Vd b) { return VMask{a.v >= b.v}; }
HWY_INLINE VMask operator==(Vd a, Vd b) { return VMask{a.v == b.v}; }
HWY_INLINE VMask operator&&(VMask a, VMask b) { return VMask{hn::And(a.m, b.m)}; }
HWY_INLINE VMask operator||(VMask a, VMask b) { return VMask{hn::Or(a.m, b.m)}; }
HWY_INLINE VMask operator!(VMask a) { return VMask{hn::Not(a.m)}; }

HWY_INLINE Vd vexp(Vd x) { return hn::Exp(Tag(), x.v); }
HWY_INLINE Vd vlog(Vd x) { return hn::Log(Tag(), x.v); }
HWY_INLINE Vd vselect(VMask c, Vd a, Vd b) { return hn::IfThenElse(c.m, a.v, b.v); }
HWY_INLINE bool vany(VMask c) { return !hn::AllFalse(Tag(), c.m); }

constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(double);

/// The fairness groups of a vector's policies (ids == nullptr when the basis carries none).
struct GroupLanes {
  const int32_t* ids;
};
HWY_INLINE bool has_group(const GroupLanes& g) { return g.ids != nullptr; }
/// full[group_premium(g) + k] for each lane's group g.
HWY_INLINE Vd group_entry(const double* full, const GroupLanes& g, int k) {
  const Tag d;
  HWY_ALIGN double lane[kMaxLanes];
  for (size_t l = 0; l < hn::Lanes(d); ++l) lane[l] = full[basis::group_premium(g.ids[l]) + k];
  return hn::Load(d, lane);
}

#include "rateopt/math/policy_formulas-inl.hpp"

/// The maximiser of h on each lane's box: in closed form, vectorised, in the common case (log-linear
/// demand, no group prices: D = 0); otherwise the certified root search of policy_math.hpp per lane
/// (fairness groups or logistic demand, where the search is a loop of data-dependent length).
HWY_INLINE Vd pass_argmax_point(DemandKind kind, Vd d0, Vd d1, const SeparableOf<Vd>& s, Vd lb, Vd ub) {
  const Tag d;
  if (kind == DemandKind::log_linear && hn::AllTrue(d, s.D.v == hn::Zero(d)))
    return log_linear_argmax_closed_form(d0, d1, s, lb, ub).m;
  HWY_ALIGN double a[7][kMaxLanes];
  const Vd in[7] = {d0, d1, s.A, s.B, s.D, lb, ub};
  for (int k = 0; k < 7; ++k) hn::Store(in[k].v, d, a[k]);
  HWY_ALIGN double m[kMaxLanes];
  for (size_t l = 0; l < hn::Lanes(d); ++l)
    m[l] = math::separable_argmax(kind, a[0][l], a[1][l], math::Separable{a[2][l], a[3][l], a[4][l]}, a[5][l], a[6][l]);
  return hn::Load(d, m);
}

#include "rateopt/math/policy_passes-inl.hpp"

/// Sums a vector's lanes in lane order (a fixed order for each instruction set).
HWY_INLINE double lane_sum(Vd x) {
  const Tag d;
  HWY_ALIGN double lane[kMaxLanes];
  hn::Store(x.v, d, lane);
  double s = 0.0;
  for (size_t l = 0; l < hn::Lanes(d); ++l) s += lane[l];
  return s;
}

/// The accumulator of policy_passes-inl.hpp for vectors: the global entries as lane-wise vector sums
/// (added into the chunk's sums at the end, lane by lane), a policy's group entries straight into the
/// chunk's sums, lane by lane.
class VecAccumulator {
 public:
  VecAccumulator(PassSums& sums, int basis_size) : sums_(sums), K_(basis_size) {
    for (Vd& x : T_) x = 0.0;
    for (Vd& x : r_) x = 0.0;
    for (Vd& x : C_) x = 0.0;
  }
  void set_group(const int32_t* ids) { groups_ = ids; }

  void add_terms(const Vd* t8) {
    for (int a = 0; a < kGlobal; ++a) T_[a] = T_[a] + t8[a];
    if (!groups_) return;
    HWY_ALIGN double lane[basis::per_group][kMaxLanes];
    for (int k = 0; k < basis::per_group; ++k) hn::Store(t8[kGlobal + k].v, Tag(), lane[k]);
    for (size_t l = 0; l < lanes(); ++l)
      for (int k = 0; k < basis::per_group; ++k) sums_.T[basis::group_premium(groups_[l]) + k] += lane[k][l];
  }
  void add_h(Vd h) { h_ = h_ + h; }
  void add_curvature(const Vd* j8, Vd inv_delta, Vd g) {
    Vd ja[kCompact];
    for (int a = 0; a < kCompact; ++a) ja[a] = j8[a] * inv_delta;
    for (int a = 0; a < kGlobal; ++a) {
      r_[a] = r_[a] + ja[a] * g;
      for (int b = 0; b < kGlobal; ++b) C_[a * kGlobal + b] = C_[a * kGlobal + b] + ja[a] * j8[b];
    }
    if (groups_) add_group_curvature(j8, ja, g);
  }
  void add_newton_scalars(Vd g2_over_delta, Vd scaled_gradient) {
    gdg_ = gdg_ + g2_over_delta;
    max_scaled_ = hn::Max(max_scaled_.v, scaled_gradient.v);
  }
  void count_free(VMask counted) { free_ = free_ + vselect(counted, Vd(1.0), Vd(0.0)); }

  /// Adds the lane sums into the chunk's sums.
  void finish() {
    for (int a = 0; a < kGlobal; ++a) {
      sums_.T[a] += lane_sum(T_[a]);
      sums_.r[a] += lane_sum(r_[a]);
      for (int b = 0; b < kGlobal; ++b)
        sums_.curvature[static_cast<size_t>(a) * K_ + b] += lane_sum(C_[a * kGlobal + b]);
    }
    sums_.h_sum += lane_sum(h_);
    sums_.g_dinv_g += lane_sum(gdg_);
    sums_.n_free += static_cast<int64_t>(lane_sum(free_));
    sums_.max_projected_gradient =
        std::max(sums_.max_projected_gradient, hn::GetLane(hn::MaxOfLanes(Tag(), max_scaled_.v)));
  }

 private:
  static constexpr int kGlobal = basis::global_count;
  static constexpr int kCompact = basis::global_count + basis::per_group;
  static size_t lanes() { return hn::Lanes(Tag()); }

  // The entries of j jᵀ/δ and j g/δ that involve the policy's group, lane by lane, as the scalar path
  // adds them (CpuBackend's Accumulator).
  void add_group_curvature(const Vd* j8, const Vd* ja, Vd g) {
    HWY_ALIGN double j[kCompact][kMaxLanes], jd[kCompact][kMaxLanes], gl[kMaxLanes];
    for (int a = 0; a < kCompact; ++a) {
      hn::Store(j8[a].v, Tag(), j[a]);
      hn::Store(ja[a].v, Tag(), jd[a]);
    }
    hn::Store(g.v, Tag(), gl);
    for (size_t l = 0; l < lanes(); ++l) {
      int idx[kCompact];
      for (int a = 0; a < kGlobal; ++a) idx[a] = a;
      for (int k = 0; k < basis::per_group; ++k) idx[kGlobal + k] = basis::group_premium(groups_[l]) + k;
      for (int a = 0; a < kCompact; ++a) {
        if (a >= kGlobal) sums_.r[idx[a]] += jd[a][l] * gl[l];
        double* row = &sums_.curvature[static_cast<size_t>(idx[a]) * K_];
        for (int b = a < kGlobal ? kGlobal : 0; b < kCompact; ++b) row[idx[b]] += jd[a][l] * j[b][l];
      }
    }
  }

  PassSums& sums_;
  int K_;
  const int32_t* groups_ = nullptr;
  Vd T_[kGlobal], r_[kGlobal], C_[kGlobal * kGlobal];
  Vd h_ = 0.0, gdg_ = 0.0, free_ = 0.0, max_scaled_ = 0.0;
};

HWY_INLINE Vd load(const std::vector<double>& x, size_t i) { return hn::LoadU(Tag(), x.data() + i); }

void RunPass(const PassArgs& a, PassSums& part) {
  const PolicyArrays& p = *a.policies;
  const Tag d;
  const size_t L = hn::Lanes(d);
  VecAccumulator acc(part, p.basis_size());
  for (size_t i = a.begin; i < a.end; i += L) {
    const GroupLanes group{p.n_groups > 0 ? p.group.data() + i : nullptr};
    acc.set_group(group.ids);
    const PolicyDataOf<Vd, GroupLanes> pd{
        PolicyCoefficientsOf<Vd>{load(p.wtc, i), load(p.wc, i), load(p.we, i), load(p.wr, i), load(p.wv, i)},
        load(p.d0, i),
        load(p.d1, i),
        load(p.lb, i),
        load(p.ub, i),
        group};
    const Vd m = a.kind == PassKind::argmax ? Vd(0.0) : Vd(hn::LoadU(d, a.m + i));
    switch (a.kind) {
      case PassKind::evaluate:
        pass_evaluate(p.demand, pd, m, acc);
        break;
      case PassKind::argmax:
        hn::StoreU(pass_argmax(p.demand, pd, a.omega, a.want_curvature, acc).v, d, a.trial + i);
        break;
      case PassKind::newton_system:
        pass_newton_system(p.demand, pd, a.omega, m, acc);
        break;
      case PassKind::newton_trial:
        hn::StoreU(pass_newton_trial(p.demand, pd, a.omega, a.z, a.alpha, m, acc).v, d, a.trial + i);
        break;
    }
  }
  acc.finish();
}

size_t Lanes() { return hn::Lanes(Tag()); }
const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace simd
}  // namespace rateopt
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rateopt {
namespace simd {

HWY_EXPORT(RunPass);
HWY_EXPORT(Lanes);
HWY_EXPORT(TargetName);

void run_pass(const PassArgs& args, PassSums& part) { HWY_DYNAMIC_DISPATCH(RunPass)(args, part); }
size_t lanes() { return HWY_DYNAMIC_DISPATCH(Lanes)(); }
std::string target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

std::vector<std::string> runnable_targets() {
  std::vector<std::string> names;
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) names.emplace_back(hwy::TargetName(target));
  return names;
}

void use_only_target(const std::string& name) {
  hwy::SetSupportedTargetsForTest(0);  // the whole list again: the search below sees a restriction
  if (name.empty()) return;
  for (const int64_t target : hwy::SupportedAndGeneratedTargets())
    if (name == hwy::TargetName(target)) return hwy::SetSupportedTargetsForTest(target);
  throw std::invalid_argument("instruction set " + name + " is not compiled in or not supported here");
}

}  // namespace simd
}  // namespace rateopt
#endif
