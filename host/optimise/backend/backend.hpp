// The small backend interface the algorithm is written against (DESIGN.md).
//
// A backend holds the prepared per-policy arrays and the current multipliers where it computes
// (host memory or device memory) and answers coarse questions in single passes over the book.
// Everything it returns is a handful of sums; the algorithm never sees per-policy data during a solve.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rateopt/math/policy_math.hpp"

namespace rateopt {

/// Per-policy coefficients, structure of arrays, as every backend needs them.
struct PolicyArrays {
  math::DemandKind demand = math::DemandKind::log_linear;
  int n_groups = 0;            ///< fairness groups carried in the basis (0 when fairness is off)
  std::vector<double> wtc;     ///< w·tc
  std::vector<double> wc;      ///< w·c
  std::vector<double> we;      ///< w·e
  std::vector<double> wr;      ///< w·[renewal]
  std::vector<double> wv;      ///< w·claims_variance
  std::vector<double> d0;      ///< demand parameter 0 (x0 or α)
  std::vector<double> d1;      ///< demand parameter 1 (ε or β)
  std::vector<double> lb;      ///< lower bound of m
  std::vector<double> ub;      ///< upper bound of m
  std::vector<int32_t> group;  ///< fairness group, or −1 when n_groups = 0
  size_t size() const { return wtc.size(); }
  int basis_size() const { return math::basis::size(n_groups); }
};

/// The sums one pass returns.  Matrices are K×K row-major, K = basis size.
struct PassSums {
  std::vector<double> T;              ///< basis sums at the point the pass produced or evaluated
  double h_sum = 0;                   ///< Σ_i h_i(m_i) for the prices given (lagrangian_argmax)
  std::vector<double> curvature;      ///< Σ_i j_i j_iᵀ / δ_i over free (or interior) policies
  std::vector<double> r;              ///< Σ_i j_i g_i / δ_i over free policies (newton_system)
  double g_dinv_g = 0;                ///< Σ_i g_i² / δ_i over free policies (newton_system)
  double max_projected_gradient = 0;  ///< max_i |projected g_i| / (w·tc)_i (newton_system, argmax)
  int64_t n_free = 0;                 ///< argmax: policies strictly inside their box; newton_system: free policies
  void resize(int K) {
    T.assign(K, 0.0);
    curvature.assign(static_cast<size_t>(K) * K, 0.0);
    r.assign(K, 0.0);
    h_sum = g_dinv_g = max_projected_gradient = 0;
    n_free = 0;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;         ///< "cpu" or "cuda"
  virtual std::string device_name() const = 0;  ///< e.g. "AVX2, 2 threads" or a GPU's name

  /// Copy the prepared book to where the backend computes.  Multipliers start at lb.
  virtual void upload(const PolicyArrays& policies) = 0;
  virtual void set_multipliers(const std::vector<double>& m) = 0;
  virtual void get_multipliers(std::vector<double>& m) = 0;

  /// T at the current multipliers.
  virtual void evaluate(PassSums& out) = 0;

  /// For prices ω on the basis sums, each policy's global maximiser of h_i(m) = ω·φ_i(m) on its box
  /// becomes the trial point.  Returns T and Σ h_i at the trial point and, when want_curvature,
  /// Σ j jᵀ/(−h'') over trial points strictly inside their box (the dual Hessian's ingredients).
  virtual void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) = 0;

  /// Projected-Newton system at the current multipliers for merit prices ω (gradient g_i = ω·j_i,
  /// curvature δ_i = max(−h_i'', floor)): curvature matrix, r, gᵀΔ⁻¹g over the free set, and the
  /// largest scaled projected gradient.
  virtual void newton_system(const std::vector<double>& omega, PassSums& out) = 0;

  /// Trial point m_i + α·d_i projected on the box, d_i = (g_i − j_i·z)/δ_i on the free set of
  /// newton_system (same ω), 0 elsewhere.  Returns T at the trial point.
  virtual void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                            PassSums& out) = 0;

  /// Make the last trial point current.
  virtual void accept_trial() = 0;

  /// Passes over the book since upload.
  virtual int64_t passes() const = 0;
};

/// How the CPU backend runs the per-policy passes: several policies at once with the best vector
/// instruction set of the machine (chosen at run time), or one at a time (the reference the vector
/// passes are tested against).
enum class CpuPasses { vector, scalar };

/// The CPU backend: OpenMP threads over fixed chunks, partial sums reduced in chunk order so the
/// answer does not depend on the number of threads.  threads = 0 uses every core.  device_name()
/// names the instruction set and the threads, e.g. "AVX2, 2 threads".
std::unique_ptr<Backend> make_cpu_backend(int threads, CpuPasses passes = CpuPasses::vector);

/// Whether a CUDA device can run the kernels, and why not.  Any failure to initialise (no driver,
/// "driver version is insufficient", no device, wrong architecture, device busy) is "not usable".
struct CudaDeviceProbe {
  bool usable = false;
  std::string name;    ///< e.g. "NVIDIA H100 80GB HBM3"
  std::string reason;  ///< why not usable
};

// Defined in kernels/ in builds with CUDA, else in host/optimise/backend/cuda_absent.cpp ("CUDA not compiled in").
CudaDeviceProbe probe_cuda_device();

/// The CUDA backend on device 0: the book resident in device memory (RAII buffers allocated once at
/// upload), one fused kernel per pass, deterministic block and fold reductions, only the small
/// vector of sums copied back.  upload() throws DeviceError naming the size asked for and the size
/// free when the book does not fit.
std::unique_ptr<Backend> make_cuda_backend();

}  // namespace rateopt
