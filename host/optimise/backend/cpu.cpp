// CPU backend: OpenMP over fixed chunks of policies.  Each chunk writes its own partial sums and the
// partials are added in chunk order, so results are identical for any thread count.  Within a chunk
// the vector passes (cpu_simd.hpp) take whole vectors of policies and the scalar passes the last few
// (only the book's last chunk has any: kChunk is a multiple of every vector width).
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "optimise/backend/backend.hpp"
#include "optimise/backend/cpu_simd.hpp"
#include "rateopt/math/policy_passes.hpp"

namespace rateopt {
namespace {

constexpr size_t kChunk = 8192;

class CpuBackend final : public Backend {
 public:
  CpuBackend(int threads, CpuPasses passes) : threads_(threads > 0 ? threads : omp_get_max_threads()) {
#if RATEOPT_CPU_SIMD
    if (passes == CpuPasses::vector) {
      lanes_ = simd::lanes();
      instruction_set_ = simd::target_name();
    }
#else
    (void)passes;  // built without the vector passes (tools/gpu_check): the scalar passes only
#endif
  }

  std::string name() const override { return "cpu"; }
  std::string device_name() const override {
    return instruction_set_ + ", " + std::to_string(threads_) + " thread" + (threads_ == 1 ? "" : "s");
  }

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
    simd::PassArgs args = vector_args(simd::PassKind::evaluate);
    run(out, args, [&](size_t i, Accumulator& acc) { math::pass_evaluate(p_->demand, policy(i), m_[i], acc); });
  }

  void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) override {
    simd::PassArgs args = vector_args(simd::PassKind::argmax);
    args.omega = omega.data();
    args.want_curvature = want_curvature;
    run(out, args, [&](size_t i, Accumulator& acc) {
      trial_[i] = math::pass_argmax(p_->demand, policy(i), omega.data(), want_curvature, acc);
    });
  }

  void newton_system(const std::vector<double>& omega, PassSums& out) override {
    simd::PassArgs args = vector_args(simd::PassKind::newton_system);
    args.omega = omega.data();
    run(out, args,
        [&](size_t i, Accumulator& acc) { math::pass_newton_system(p_->demand, policy(i), omega.data(), m_[i], acc); });
  }

  void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                    PassSums& out) override {
    simd::PassArgs args = vector_args(simd::PassKind::newton_trial);
    args.omega = omega.data();
    args.z = z.data();
    args.alpha = alpha;
    run(out, args, [&](size_t i, Accumulator& acc) {
      trial_[i] = math::pass_newton_trial(p_->demand, policy(i), omega.data(), z.data(), alpha, m_[i], acc);
    });
  }

 private:
  // Adds one policy's compact contributions (5 global entries, then its group's 3) into the
  // chunk's partial sums in the full basis layout.
  struct Accumulator {
    PassSums& sums;
    int K;
    int idx[math::basis::global_count + math::basis::per_group];
    int n = math::basis::global_count;

    Accumulator(PassSums& s, int basis_size) : sums(s), K(basis_size) {
      for (int k = 0; k < math::basis::global_count; ++k) idx[k] = k;
    }
    void set_group(int g) {
      n = math::basis::global_count;
      if (g < 0) return;
      for (int k = 0; k < math::basis::per_group; ++k) idx[n + k] = math::basis::group_premium(g) + k;
      n += math::basis::per_group;
    }
    void add_terms(const double* t8) {
      for (int a = 0; a < n; ++a) sums.T[idx[a]] += t8[a];
    }
    void add_h(double h) { sums.h_sum += h; }
    void add_curvature(const double* j8, double inv_delta, double g) {
      for (int a = 0; a < n; ++a) {
        const double ja = j8[a] * inv_delta;
        sums.r[idx[a]] += ja * g;
        double* row = &sums.curvature[static_cast<size_t>(idx[a]) * K];
        for (int b = 0; b < n; ++b) row[idx[b]] += ja * j8[b];
      }
    }
    void add_newton_scalars(double g2_over_delta, double scaled_gradient) {
      sums.g_dinv_g += g2_over_delta;
      sums.max_projected_gradient = std::max(sums.max_projected_gradient, scaled_gradient);
    }
    void count_free(bool counted) { sums.n_free += counted ? 1 : 0; }
  };

  math::PolicyData policy(size_t i) const {
    return math::PolicyData{math::PolicyCoefficients{p_->wtc[i], p_->wc[i], p_->we[i], p_->wr[i], p_->wv[i]},
                            p_->d0[i],
                            p_->d1[i],
                            p_->lb[i],
                            p_->ub[i],
                            p_->n_groups > 0 ? p_->group[i] : -1};
  }

  simd::PassArgs vector_args(simd::PassKind kind) {
    simd::PassArgs a;
    a.kind = kind;
    a.policies = p_;
    a.m = m_.data();
    a.trial = trial_.data();
    return a;
  }

  // Each chunk: whole vectors through the vector pass (lanes_ > 1), the rest through the scalar pass.
  template <class Body>
  void run(PassSums& out, const simd::PassArgs& vector_pass, const Body& body) {
    ++passes_;
    const int64_t chunks = static_cast<int64_t>(n_chunks_);
    // small books run on one thread: waking a team costs more than the pass
    const int team = static_cast<int>(std::min<int64_t>(threads_, chunks));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      PassSums& part = partials_[c];
      part.resize(K_);
      Accumulator acc(part, K_);
      size_t begin = static_cast<size_t>(c) * kChunk;
      const size_t end = std::min(n_, begin + kChunk);
      if (lanes_ > 1 && end - begin >= lanes_) {
        simd::PassArgs a = vector_pass;
        a.begin = begin;
        a.end = begin + (end - begin) / lanes_ * lanes_;
#if RATEOPT_CPU_SIMD
        simd::run_pass(a, part);
#endif
        begin = a.end;
      }
      for (size_t i = begin; i < end; ++i) {
        acc.set_group(p_->n_groups > 0 ? p_->group[i] : -1);
        body(i, acc);
      }
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
  size_t lanes_ = 1;
  std::string instruction_set_ = "scalar";
  const PolicyArrays* p_ = nullptr;
  size_t n_ = 0;
  int K_ = 0;
  size_t n_chunks_ = 0;
  std::vector<double> m_, trial_;
  std::vector<PassSums> partials_;
  int64_t passes_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads, CpuPasses passes) {
  return std::make_unique<CpuBackend>(threads, passes);
}

}  // namespace rateopt
