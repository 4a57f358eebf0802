// CVaR reinsurance cession (SPEC §4.2): the sample risk measures, the lognormal/Gaussian-copula
// simulation, and the layered cheapest-line-first search.  The model and the rule are documented in
// include/rateopt/reinsure.hpp.
#include "rateopt/reinsure.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "optimise/backend/backend.hpp"
#include "optimise/backend/device_choice.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/math/philox.hpp"
#include "rateopt/math/root_find.hpp"
#include "reinsure/reinsure_risk.hpp"
#include "reinsure/sample_risk.hpp"

namespace rateopt {

namespace {

using namespace sample_risk;

// Samples used to choose the cession path, and the quantile levels of each line's retention ladder.
constexpr size_t kPathSamples = 100000;
constexpr double kLadder[] = {0.9999, 0.9995, 0.999, 0.998, 0.997, 0.995, 0.993, 0.99, 0.985, 0.98, 0.975, 0.97, 0.96,
                              0.95,   0.94,   0.93,  0.92,  0.9,   0.88,  0.85,  0.82, 0.8,   0.75, 0.7,   0.65, 0.6,
                              0.55,   0.5,    0.45,  0.4,   0.35,  0.3,   0.25,  0.2,  0.15,  0.1,  0.05,  0.0};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// The cession path.  Built on a fixed subsample (every stride-th sample, at most kPathSamples): each
/// line's retention can step down a ladder of levels (∞, then its quantiles at kLadder, then its least
/// retention); from "nothing ceded", each step lowers one line by one level, the step that removes
/// the most risk per unit of objective cost (Σ c_j·E[(X_j − d_j)+], c_j = β_j or 1 + β_j) — the
/// cheapest layer first — until every line sits at its least retention.  On the full samples, the
/// first path point meeting the budget is found (bisection for CVaR, which falls along the path;
/// a scan for the variance), and the one line that moved on the last step gets its retention by
/// Brent's method between the two points.
class CessionPath {
 public:
  struct Point {
    int step = -1;  // −1: no cession; else the path step whose line is marginal
    size_t line = 0;
    double retention = kInf, risk = 0, var = kNaN;
    std::vector<double> d;  // every line's retention (∞: kept whole)
  };

  CessionPath(const std::vector<ReinsuranceLine>& lines, const LossSamples& samples, RetainedRiskEvaluator& evaluator,
              const ReinsuranceOptions& options)
      : lines_(lines), samples_(samples), evaluator_(evaluator), options_(options), n_(samples.size()) {
    for (size_t j = 0; j < lines.size(); ++j) {
      const std::vector<double>& x = samples.loss[j];
      mean_.push_back(chunked_sum(n_, options.threads, [&](size_t i) { return x[i]; }) / static_cast<double>(n_));
      double top = 0;
      for (double v : x) top = std::max(top, v);
      max_.push_back(top);
      cost_.push_back(options.objective == CessionObjective::premium ? 1.0 + lines[j].safety_loading
                                                                     : lines[j].safety_loading);
    }
    build_path();
    point_risk_.assign(path_.size(), kNaN);
    point_var_.assign(path_.size(), kNaN);
    unceded_ = risk_at(0);
    least_ = risk_at(path_.size() - 1);
  }

  double unceded_risk() const { return unceded_; }
  double least_reachable_risk() const { return least_; }
  double mean(size_t line) const { return mean_[line]; }
  int evaluations() const { return evaluations_; }
  int path_steps() const { return static_cast<int>(path_.size()) - 1; }
  /// 1-based rank of each line by the first path step that cedes from it (untouched lines last).
  const std::vector<int>& order() const { return order_; }

  /// The first point of the path with risk ≤ budget.  Precondition: least_reachable_risk() ≤ budget.
  Point solve(double budget) {
    Point p;
    if (unceded_ <= budget) {
      p.risk = unceded_;
      p.var = point_var_[0];
      p.d = path_[0];
      return p;
    }
    // bisection over the path points: risk(lo) > budget ≥ risk(hi)
    size_t lo = 0, hi = path_.size() - 1;
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      (risk_at(mid) <= budget ? hi : lo) = mid;
    }
    const size_t j = step_line_[hi];
    p.step = static_cast<int>(hi);
    p.line = j;
    p.d = path_[hi];
    load(p.d, j);
    const double bottom = path_[hi][j], top = std::min(path_[hi - 1][j], std::max(max_[j], bottom));
    const double risk_bottom = point_risk_[hi], risk_top = point_risk_[hi - 1];
    // CVaR rises with the retention, so a point that meets the budget is the bracket's new lower end and
    // later trials lie above it: the evaluator may drop samples that cannot reach the tail there
    evaluator_.clear_restriction();
    const auto f = [&](double d) {
      if (d == bottom) return risk_bottom - budget;
      if (d == top) return risk_top - budget;
      const double risk = evaluate(d);
      if (options_.measure == RiskMeasure::cvar && risk <= budget) evaluator_.restrict_to_retentions_from(d);
      return risk - budget;
    };
    // no f tolerance: an end of the final bracket must meet the budget, so the bracket itself is shrunk
    const auto root = brent_root(f, bottom, top, 1e-12 * std::max(top, 1.0));
    double d = bottom;
    if (root) d = root->f_root <= 0 ? root->root : root->lo;
    p.retention = d;
    p.d[j] = d;
    p.risk = evaluate(d, &p.var);
    evaluator_.clear_restriction();
    return p;
  }

  double expected_ceded(size_t line, double retention) {
    if (!(retention < kInf)) return 0.0;
    auto& cache = ceded_cache_[line];
    const auto hit = cache.find(retention);
    if (hit != cache.end()) return hit->second;
    const std::vector<double>& x = samples_.loss[line];
    const double e = chunked_sum(n_, options_.threads, [&](size_t i) { return std::max(x[i] - retention, 0.0); }) /
                     static_cast<double>(n_);
    cache.emplace(retention, e);
    return e;
  }

 private:
  double evaluate(double retention, double* var = nullptr) {
    ++evaluations_;
    return evaluator_.risk(retention, var);
  }

  // The evaluator forms base = Σ_{i ≠ marginal} min(X_i, d_i) in line order, and takes X_marginal.
  void load(const std::vector<double>& d, size_t marginal) { evaluator_.load(d, marginal); }

  // The full-sample risk at path point k (cached).
  double risk_at(size_t k) {
    if (std::isnan(point_risk_[k])) {
      const size_t j = k == 0 ? 0 : step_line_[k];
      load(path_[k], j);
      point_risk_[k] = evaluate(path_[k][j], &point_var_[k]);
    }
    return point_risk_[k];
  }

  void build_path() {
    const size_t m = lines_.size();
    const size_t count = std::min(n_, kPathSamples), stride = n_ / count;
    std::vector<std::vector<double>> sub(m, std::vector<double>(count));
    for (size_t j = 0; j < m; ++j)
      for (size_t s = 0; s < count; ++s) sub[j][s] = samples_.loss[j][s * stride];
    // each line's ladder: ∞, its subsample quantiles (descending, above the floor), the floor
    std::vector<std::vector<double>> ladder(m);
    for (size_t j = 0; j < m; ++j) {
      std::vector<double> sorted = sub[j];
      std::sort(sorted.begin(), sorted.end());
      const double floor = lines_[j].min_retention;
      ladder[j].push_back(kInf);
      for (double q : kLadder) {
        const double level = sorted[static_cast<size_t>(q * static_cast<double>(count - 1))];
        if (level > floor && level < ladder[j].back()) ladder[j].push_back(level);
      }
      ladder[j].push_back(floor);
    }
    const auto ceded = [&](size_t j, double d) {
      if (!(d < kInf)) return 0.0;
      double t = 0;
      for (double v : sub[j]) t += std::max(v - d, 0.0);
      return t / static_cast<double>(count);
    };
    const auto risk_of = [&](const std::vector<double>& d) {
      std::vector<double> aggregate(count, 0.0);
      for (size_t j = 0; j < m; ++j)
        for (size_t s = 0; s < count; ++s) aggregate[s] += std::min(sub[j][s], d[j]);
      const double* a = aggregate.data();
      const auto value = [=](size_t s) { return a[s]; };
      // one thread: each trial is small, and thousands of short parallel regions cost more than they save
      return options_.measure == RiskMeasure::cvar ? cvar_of(count, count, options_.alpha, 1, value, nullptr)
                                                   : variance_of(count, 1, value);
    };
    std::vector<size_t> rung(m, 0);
    std::vector<double> d(m, kInf);
    double risk = risk_of(d);
    path_.push_back(d);
    step_line_.push_back(0);
    order_.assign(m, 0);
    int next_rank = 1;
    for (;;) {
      std::vector<double> trial_risk(m, kNaN);
      for (size_t j = 0; j < m; ++j) {
        if (rung[j] + 1 >= ladder[j].size()) continue;
        std::vector<double> trial = d;
        trial[j] = ladder[j][rung[j] + 1];
        trial_risk[j] = risk_of(trial);
      }
      int best = -1;
      double best_efficiency = -kInf, best_risk = 0;
      for (size_t j = 0; j < m; ++j) {
        if (rung[j] + 1 >= ladder[j].size()) continue;
        const double removed = risk - trial_risk[j];
        std::vector<double> trial = d;
        trial[j] = ladder[j][rung[j] + 1];
        const double extra_cost = cost_[j] * (ceded(j, trial[j]) - ceded(j, d[j]));
        double efficiency = extra_cost > 0 ? removed / extra_cost : (removed > 0 ? kInf : removed);
        // ties: the lower cost coefficient, then the earlier line
        if (best < 0 || efficiency > best_efficiency ||
            (efficiency == best_efficiency && cost_[j] < cost_[static_cast<size_t>(best)])) {
          best = static_cast<int>(j);
          best_efficiency = efficiency;
          best_risk = trial_risk[j];
        }
      }
      if (best < 0) break;
      const size_t j = static_cast<size_t>(best);
      if (order_[j] == 0) order_[j] = next_rank++;
      d[j] = ladder[j][++rung[j]];
      risk = best_risk;
      path_.push_back(d);
      step_line_.push_back(j);
    }
    for (int& o : order_)
      if (o == 0) o = next_rank++;
  }

  const std::vector<ReinsuranceLine>& lines_;
  const LossSamples& samples_;
  RetainedRiskEvaluator& evaluator_;
  const ReinsuranceOptions& options_;
  const size_t n_;
  std::vector<double> mean_, max_, cost_;
  std::vector<std::vector<double>> path_;  // retentions at each path point; path_[0]: nothing ceded
  std::vector<size_t> step_line_;          // the line that moved to reach each point
  std::vector<int> order_;
  std::vector<double> point_risk_, point_var_;
  std::map<size_t, std::map<double, double>> ceded_cache_;
  double unceded_ = 0, least_ = 0;
  int evaluations_ = 0;
};

std::unique_ptr<RetainedRiskEvaluator> choose_evaluator(const ReinsuranceOptions& o, const LossSamples& samples,
                                                        ReinsuranceResult& r) {
  std::unique_ptr<RetainedRiskEvaluator> evaluator;
  const auto on_cuda = [&] {
    auto cuda = make_cuda_risk_evaluator(o.measure, o.alpha);
    // The samples go to the device once, with every buffer the search uses, so that samples that do
    // not fit fall back to the CPU under --device auto.
    cuda->set_lines(samples.loss);
    evaluator = std::move(cuda);
    r.device_name = probe_cuda_device().name;
  };
  if (!run_on_chosen_device(o.device, on_cuda, r.fallback_reason)) {
    evaluator = make_cpu_risk_evaluator(o.measure, o.alpha, o.threads);
    evaluator->set_lines(samples.loss);
  }
  return evaluator;
}

}  // namespace

void ReinsuranceOptions::validate() const {
  check_option_bounds(*this);
  if (frontier_points == 1) throw InputError("option frontier = 1 must be 0 or in [2,1000]");
}

double sample_cvar(const std::vector<double>& values, double alpha, int threads, double* var) {
  if (values.empty()) throw InputError("CVaR of no samples");
  if (!(alpha >= 0 && alpha < 1)) throw InputError("CVaR level alpha must be in [0, 1)");
  const double* v = values.data();
  return cvar_of(
      values.size(), values.size(), alpha, threads, [=](size_t i) { return v[i]; }, var);
}

std::optional<std::vector<double>> cholesky_lower(const std::vector<double>& a, size_t n, size_t* failed_row) {
  std::vector<double> l(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 1e-12)) {
          if (failed_row) *failed_row = i;
          return std::nullopt;
        }
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

LossSamples simulate_losses(const std::vector<ReinsuranceLine>& lines, const std::vector<double>& correlation, size_t n,
                            uint64_t seed, int threads) {
  const size_t m = lines.size();
  if (n == 0) throw InputError("option simulate must be ≥ 1");
  if (static_cast<double>(n) * static_cast<double>(m) > 1e9)
    throw InputError("option simulate = " + std::to_string(n) + " samples × " + std::to_string(m) +
                     " lines is more than 1e9 values (8 GB); simulate fewer");
  std::vector<double> chol;
  if (!correlation.empty()) {
    if (correlation.size() != m * m)
      throw InputError("correlation matrix is not " + std::to_string(m) + "×" + std::to_string(m));
    auto l = cholesky_lower(correlation, m);
    if (!l) throw InputError("correlation matrix is not positive definite");
    chol = std::move(*l);
  }
  std::vector<double> mu(m), sigma(m);
  for (size_t j = 0; j < m; ++j) {
    const double mean = lines[j].expected_loss, var = lines[j].variance;
    sigma[j] = mean > 0 ? std::sqrt(std::log1p(var / (mean * mean))) : 0.0;
    mu[j] = mean > 0 ? std::log(mean) - 0.5 * sigma[j] * sigma[j] : 0.0;
  }
  LossSamples out;
  out.loss.assign(m, std::vector<double>(n));
#pragma omp parallel num_threads(thread_count(threads))
  {
    std::vector<double> eps(m + 1), z(m);
#pragma omp for schedule(static)
    for (long long si = 0; si < static_cast<long long>(n); ++si) {
      const uint64_t s = static_cast<uint64_t>(si);
      for (size_t j = 0; j < m; j += 2)  // one Philox draw gives the normals of lines j and j + 1
        philox_normal_pair(seed, static_cast<uint32_t>(s), static_cast<uint32_t>(s >> 32), static_cast<uint32_t>(j / 2),
                           0x52454953u /* "REIS": this stream's tag */, eps[j], eps[j + 1]);
      for (size_t i = 0; i < m; ++i) {
        if (chol.empty()) {
          z[i] = eps[i];
        } else {
          double acc = 0;
          for (size_t k = 0; k <= i; ++k) acc += chol[i * m + k] * eps[k];
          z[i] = acc;
        }
        const ReinsuranceLine& line = lines[i];
        out.loss[i][s] = line.expected_loss > 0 ? std::exp(mu[i] + sigma[i] * z[i]) : 0.0;
      }
    }
  }
  return out;
}

ReinsuranceResult optimise_reinsurance(const std::vector<ReinsuranceLine>& lines, const LossSamples& samples,
                                       const ReinsuranceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  options.validate();
  if (lines.empty()) throw InputError("no risk lines");
  if (samples.loss.size() != lines.size())
    throw InputError("samples have " + std::to_string(samples.loss.size()) + " columns for " +
                     std::to_string(lines.size()) + " lines");
  const size_t n = samples.size();
  if (n == 0) throw InputError("no loss samples");
  for (const auto& column : samples.loss)
    if (column.size() != n) throw InputError("sample columns differ in length");

  ReinsuranceResult r;
  r.measure = options.measure;
  r.objective = options.objective;
  r.alpha = options.alpha;
  r.budget = *options.budget;
  r.samples = n;
  std::unique_ptr<RetainedRiskEvaluator> evaluator = choose_evaluator(options, samples, r);
  r.backend_used = evaluator->backend();
  CessionPath path(lines, samples, *evaluator, options);
  r.path_steps = path.path_steps();
  r.unceded_risk = path.unceded_risk();
  r.least_reachable_risk = path.least_reachable_risk();
  const char* measure = options.measure == RiskMeasure::cvar ? "CVaR" : "variance";
  char text[512];

  const auto fill_lines = [&](const CessionPath::Point& p, std::vector<LineCession>* out, double* premium, double* cost,
                              double* ceded_loss) {
    *premium = *cost = *ceded_loss = 0;
    for (size_t j = 0; j < lines.size(); ++j) {
      const double d = p.d.empty() ? kInf : p.d[j];
      LineCession c;
      c.name = lines[j].name;
      c.safety_loading = lines[j].safety_loading;
      c.order = path.order()[j];
      c.expected_loss = path.mean(j);
      c.expected_ceded_loss = path.expected_ceded(j, d);
      c.ceded = d < kInf;
      if (c.ceded) c.retention = d;
      c.ceded_premium = (1.0 + c.safety_loading) * c.expected_ceded_loss;
      c.cession_cost = c.safety_loading * c.expected_ceded_loss;
      c.cession_rate = c.expected_loss > 0 ? c.expected_ceded_loss / c.expected_loss : 0.0;
      *premium += c.ceded_premium;
      *cost += c.cession_cost;
      *ceded_loss += c.expected_ceded_loss;
      if (out) out->push_back(c);
    }
  };

  if (r.least_reachable_risk > r.budget) {
    r.status = "infeasible";
    snprintf(text, sizeof text,
             "infeasible: retained %s budget %.6g unreachable: at least %.6g with every line ceded down to its "
             "least retention",
             measure, r.budget, r.least_reachable_risk);
    r.message = text;
    CessionPath::Point none;
    fill_lines(none, &r.lines, &r.total_ceded_premium, &r.total_cession_cost, &r.total_expected_ceded_loss);
    r.retained_risk = r.unceded_risk;
    r.retained_var = kNaN;
  } else {
    const CessionPath::Point p = path.solve(r.budget);
    r.retained_risk = p.risk;
    r.retained_var = p.var;
    fill_lines(p, &r.lines, &r.total_ceded_premium, &r.total_cession_cost, &r.total_expected_ceded_loss);
    if (p.step < 0) {
      r.status = "no_cession";
      snprintf(text, sizeof text, "no cession: the unceded %s %.6g already meets the budget %.6g", measure, p.risk,
               r.budget);
    } else {
      r.status = "ceded";
      int ceded_lines = 0;
      for (const LineCession& c : r.lines) ceded_lines += c.ceded ? 1 : 0;
      snprintf(text, sizeof text,
               "ceded: %d line(s) after %d of %d path steps, marginal line %s at retention %.6g; retained %s %.6g "
               "within budget %.6g; objective (%s) %.6g",
               ceded_lines, p.step, path.path_steps(), lines[p.line].name.c_str(), p.retention, measure, p.risk,
               r.budget, to_string(options.objective),
               options.objective == CessionObjective::premium ? r.total_ceded_premium : r.total_cession_cost);
    }
    r.message = text;
  }

  if (options.frontier_points >= 2) {
    const int points = options.frontier_points;
    for (int j = points - 1; j >= 0; --j) {
      const double b =
          r.least_reachable_risk + (r.unceded_risk - r.least_reachable_risk) * static_cast<double>(j) / (points - 1);
      const CessionPath::Point p = path.solve(b);
      ReinsuranceFrontierPoint f;
      f.budget = b;
      f.retained_risk = p.risk;
      f.marginal_order = p.step >= 0 ? path.order()[p.line] : 0;
      f.retention = p.step >= 0 ? p.retention : kNaN;
      double ceded_loss = 0;
      fill_lines(p, nullptr, &f.ceded_premium, &f.cession_cost, &ceded_loss);
      r.frontier.push_back(f);
    }
    std::reverse(r.frontier.begin(), r.frontier.end());
  }
  r.evaluations = path.evaluations();
  r.seconds = seconds_since(start);
  return r;
}

}  // namespace rateopt
