// CPU backend: OpenMP over fixed chunks of policies.  Each chunk writes its own partial sums and the
// partials are added in chunk order, so results are identical for any thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "backend.hpp"

namespace rateopt {
namespace {

using math::Demand;
using math::PolicyCoefficients;
using math::Separable;

constexpr size_t kChunk = 8192;

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}

  std::string name() const override { return "cpu"; }
  std::string device_name() const override { return std::to_string(threads_) + " CPU threads"; }

  void upload(const PolicyArrays& policies) override {
    p_ = &policies;
    n_ = policies.size();
    K_ = policies.basis_size();
    m_ = policies.lb;
    trial_ = m_;
    n_chunks_ = (n_ + kChunk - 1) / kChunk;
    partials_.assign(n_chunks_, PassSums());
    for (auto& part : partials_) part.resize(K_);
    passes_ = 0;
  }

  void set_multipliers(const std::vector<double>& m) override { m_ = m; }
  void get_multipliers(std::vector<double>& m) override { m = m_; }
  int64_t passes() const override { return passes_; }
  void accept_trial() override { std::swap(m_, trial_); }

  void evaluate(PassSums& out) override {
    run(out, [&](size_t i, PassSums& acc) {
      const double m = m_[i];
      add_terms(i, math::demand_value(p_->demand, p_->d0[i], p_->d1[i], m), m, acc);
    });
  }

  void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) override {
    const double* w = omega.data();
    run(out, [&](size_t i, PassSums& acc) {
      const int g = group_of(i);
      const Separable s = math::separable_from_prices(coeffs(i), w, g);
      const double lb = p_->lb[i], ub = p_->ub[i];
      const double m = math::separable_argmax(p_->demand, p_->d0[i], p_->d1[i], s, lb, ub);
      trial_[i] = m;
      const Demand dm = math::demand(p_->demand, p_->d0[i], p_->d1[i], m);
      const math::SeparableValue v = math::separable_value(dm, s, m);
      acc.h_sum += v.h;
      add_terms(i, dm.x, m, acc);
      if (want_curvature && m > lb && m < ub && v.d2h < 0.0) {
        add_curvature(i, dm, m, g, -v.d2h, 0.0, acc);
        ++acc.n_free;
      }
    });
  }

  void newton_system(const std::vector<double>& omega, PassSums& out) override {
    const double* w = omega.data();
    run(out, [&](size_t i, PassSums& acc) {
      const int g = group_of(i);
      const double m = m_[i];
      const Separable s = math::separable_from_prices(coeffs(i), w, g);
      const Demand dm = math::demand(p_->demand, p_->d0[i], p_->d1[i], m);
      const math::NewtonLocal nl = math::newton_local(dm, math::separable_value(dm, s, m), s, m, p_->lb[i], p_->ub[i]);
      if (!nl.free) return;
      ++acc.n_free;
      acc.g_dinv_g += nl.g * nl.g / nl.delta;
      acc.max_projected_gradient = std::max(acc.max_projected_gradient, std::fabs(nl.g) / p_->wtc[i]);
      add_curvature(i, dm, m, g, nl.delta, nl.g, acc);
    });
  }

  void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                    PassSums& out) override {
    const double* w = omega.data();
    run(out, [&](size_t i, PassSums& acc) {
      const int g = group_of(i);
      const double m = m_[i];
      const double lb = p_->lb[i], ub = p_->ub[i];
      const Separable s = math::separable_from_prices(coeffs(i), w, g);
      const Demand dm = math::demand(p_->demand, p_->d0[i], p_->d1[i], m);
      const math::NewtonLocal nl = math::newton_local(dm, math::separable_value(dm, s, m), s, m, lb, ub);
      double mt = m;
      if (nl.free) {
        double jg[math::basis::global_count], j3[math::basis::per_group];
        math::basis_derivatives(coeffs(i), dm, m, jg, j3);
        double jz = 0.0;
        for (int k = 0; k < math::basis::global_count; ++k) jz += jg[k] * z[k];
        if (g >= 0)
          for (int k = 0; k < math::basis::per_group; ++k) jz += j3[k] * z[math::basis::group_premium(g) + k];
        mt = std::min(ub, std::max(lb, m + alpha * (nl.g - jz) / nl.delta));
      }
      trial_[i] = mt;
      add_terms(i, math::demand_value(p_->demand, p_->d0[i], p_->d1[i], mt), mt, acc);
    });
  }

 private:
  PolicyCoefficients coeffs(size_t i) const {
    return PolicyCoefficients{p_->wtc[i], p_->wc[i], p_->we[i], p_->wr[i], p_->wv[i]};
  }
  int group_of(size_t i) const { return p_->n_groups > 0 ? p_->group[i] : -1; }

  void add_terms(size_t i, double x, double m, PassSums& acc) const {
    double tg[math::basis::global_count], t3[math::basis::per_group];
    math::basis_terms(coeffs(i), x, m, tg, t3);
    for (int k = 0; k < math::basis::global_count; ++k) acc.T[k] += tg[k];
    const int g = group_of(i);
    if (g >= 0)
      for (int k = 0; k < math::basis::per_group; ++k) acc.T[math::basis::group_premium(g) + k] += t3[k];
  }

  // curvature += j jᵀ/δ and r += j·g/δ over the basis entries this policy touches
  void add_curvature(size_t i, const Demand& dm, double m, int g, double delta, double grad, PassSums& acc) const {
    double j[math::basis::global_count + math::basis::per_group];
    int idx[math::basis::global_count + math::basis::per_group];
    math::basis_derivatives(coeffs(i), dm, m, j, j + math::basis::global_count);
    int n = math::basis::global_count;
    for (int k = 0; k < n; ++k) idx[k] = k;
    if (g >= 0) {
      for (int k = 0; k < math::basis::per_group; ++k) idx[n + k] = math::basis::group_premium(g) + k;
      n += math::basis::per_group;
    }
    const double inv = 1.0 / delta;
    for (int a = 0; a < n; ++a) {
      const double ja = j[a] * inv;
      acc.r[idx[a]] += ja * grad;
      double* row = &acc.curvature[static_cast<size_t>(idx[a]) * K_];
      for (int b = 0; b < n; ++b) row[idx[b]] += ja * j[b];
    }
  }

  template <class Body>
  void run(PassSums& out, const Body& body) {
    ++passes_;
    const int64_t chunks = static_cast<int64_t>(n_chunks_);
    // small books run on one thread: waking a team costs more than the pass
    const int team = static_cast<int>(std::min<int64_t>(threads_, chunks));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      PassSums& acc = partials_[c];
      acc.resize(K_);
      const size_t begin = static_cast<size_t>(c) * kChunk, end = std::min(n_, begin + kChunk);
      for (size_t i = begin; i < end; ++i) body(i, acc);
    }
    out.resize(K_);
    for (const PassSums& part : partials_) {
      for (int k = 0; k < K_; ++k) out.T[k] += part.T[k];
      for (int k = 0; k < K_; ++k) out.r[k] += part.r[k];
      for (size_t k = 0; k < out.curvature.size(); ++k) out.curvature[k] += part.curvature[k];
      out.h_sum += part.h_sum;
      out.g_dinv_g += part.g_dinv_g;
      out.max_projected_gradient = std::max(out.max_projected_gradient, part.max_projected_gradient);
      out.n_free += part.n_free;
    }
  }

  int threads_;
  const PolicyArrays* p_ = nullptr;
  size_t n_ = 0;
  int K_ = 0;
  size_t n_chunks_ = 0;
  std::vector<double> m_, trial_;
  std::vector<PassSums> partials_;
  int64_t passes_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace rateopt
