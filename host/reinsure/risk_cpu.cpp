// The CPU risk evaluator of the reinsurance search: threads over fixed chunks, the tail selected from a
// subsample's threshold before VaR is selected in it (sample_risk.hpp).  Free of the options code, so that
// tools/gpu_check builds with it.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "reinsure/reinsure_risk.hpp"
#include "reinsure/sample_risk.hpp"

namespace rateopt {

namespace {

using namespace sample_risk;

class CpuRiskEvaluator final : public RetainedRiskEvaluator {
 public:
  CpuRiskEvaluator(RiskMeasure measure, double alpha, int threads)
      : measure_(measure), alpha_(alpha), threads_(threads) {}
  void set_lines(const std::vector<std::vector<double>>& loss) override { loss_ = &loss; }
  // base = Σ_{i ≠ marginal} min(X_i, d_i) in line order
  void load(const std::vector<double>& d, size_t marginal) override {
    const size_t n = (*loss_)[marginal].size();
    base_storage_.assign(n, 0.0);
    for (size_t i = 0; i < loss_->size(); ++i) {
      if (i == marginal) continue;
      const std::vector<double>& x = (*loss_)[i];
      const double cap = d[i];
#pragma omp parallel for schedule(static) num_threads(thread_count(threads_))
      for (long long s = 0; s < static_cast<long long>(n); ++s)
        base_storage_[static_cast<size_t>(s)] += std::min(x[static_cast<size_t>(s)], cap);
    }
    base_ = &base_storage_;
    marginal_ = &(*loss_)[marginal];
    candidates_.clear();
    restricted_ = false;
  }
  double risk(double retention, double* var_out) override {
    const double* b = base_->data();
    const double* m = marginal_->data();
    double var = kNaN;
    double result;
    if (measure_ == RiskMeasure::variance) {
      result = variance_of(base_->size(), threads_, [=](size_t i) { return b[i] + std::min(m[i], retention); });
    } else if (restricted_ && retention >= restricted_from_) {
      const uint32_t* c = candidates_.data();
      result = cvar_of(
          candidates_.size(), base_->size(), alpha_, threads_,
          [=](size_t j) { return b[c[j]] + std::min(m[c[j]], retention); }, &var);
    } else {
      result = cvar_of(
          base_->size(), base_->size(), alpha_, threads_, [=](size_t i) { return b[i] + std::min(m[i], retention); },
          &var);
    }
    last_retention_ = retention;
    last_var_ = var;
    if (var_out) *var_out = var;
    return result;
  }
  // Samples with base + marginal < VaR(d) stay below VaR(d') ≤ their value bound for every d' ≥ d,
  // so only the others can be in the tail: keep their indices when they are few.
  void restrict_to_retentions_from(double retention) override {
    if (measure_ != RiskMeasure::cvar || retention != last_retention_ || !std::isfinite(last_var_)) return;
    if (base_->size() > 0xFFFFFFFFull) return;  // indices are 32-bit
    if (restricted_ && retention <= restricted_from_) return;
    const double* b = base_->data();
    const double* m = marginal_->data();
    const double floor = last_var_;
    const size_t n = restricted_ ? candidates_.size() : base_->size();
    const std::vector<uint32_t> previous = restricted_ ? candidates_ : std::vector<uint32_t>();
    const size_t chunks = chunk_count(n);
    std::vector<std::vector<uint32_t>> per_chunk(chunks);
#pragma omp parallel for schedule(static) num_threads(thread_count(threads_))
    for (long long c = 0; c < static_cast<long long>(chunks); ++c) {
      const size_t begin = static_cast<size_t>(c) * kChunk, end = std::min(n, begin + kChunk);
      for (size_t j = begin; j < end; ++j) {
        const uint32_t i = restricted_ ? previous[j] : static_cast<uint32_t>(j);
        if (b[i] + m[i] >= floor) per_chunk[static_cast<size_t>(c)].push_back(i);
      }
    }
    size_t total = 0;
    for (const auto& v : per_chunk) total += v.size();
    if (total * 4 > base_->size()) return;  // too many to be worth the indirection
    candidates_.clear();
    candidates_.reserve(total);
    for (const auto& v : per_chunk) candidates_.insert(candidates_.end(), v.begin(), v.end());
    restricted_ = true;
    restricted_from_ = retention;
  }
  void clear_restriction() override {
    restricted_ = false;
    candidates_.clear();
  }
  std::string backend() const override { return "cpu"; }

 private:
  RiskMeasure measure_;
  double alpha_;
  int threads_;
  const std::vector<std::vector<double>>* loss_ = nullptr;
  std::vector<double> base_storage_;
  const std::vector<double>* base_ = nullptr;
  const std::vector<double>* marginal_ = nullptr;
  std::vector<uint32_t> candidates_;  // indices that can reach the tail for retentions ≥ restricted_from_
  bool restricted_ = false;
  double restricted_from_ = 0, last_retention_ = kNaN, last_var_ = kNaN;
};

}  // namespace

std::unique_ptr<RetainedRiskEvaluator> make_cpu_risk_evaluator(RiskMeasure measure, double alpha, int threads) {
  return std::make_unique<CpuRiskEvaluator>(measure, alpha, threads);
}

}  // namespace rateopt
