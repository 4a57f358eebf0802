// Communicators (serial and MPI), agreed errors, and the backend wrapper that reduces pass sums.
#include "parallel/communicator.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "io/text.hpp"
#include "rateopt/build_config.hpp"

#if RATEOPT_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace rateopt {

namespace {

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::string> allgather(const std::string& bytes) const override { return {bytes}; }
  void gather_to_root(const std::string& bytes,
                      const std::function<void(int, const std::string&)>& consume) const override {
    consume(0, bytes);
  }
};

#if RATEOPT_HAVE_MPI
// Messages go in pieces of at most 1 GiB: MPI counts are ints.
constexpr size_t kMaxMessageBytes = size_t{1} << 30;

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw DeviceError(std::string("MPI ") + what + " failed");
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> allgather(const std::string& bytes) const override {
    const auto mine = static_cast<uint64_t>(bytes.size());
    std::vector<uint64_t> sizes(static_cast<size_t>(size_));
    check(MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "allgather");
    uint64_t total = 0;
    std::vector<int> counts(sizes.size()), offsets(sizes.size());
    for (size_t r = 0; r < sizes.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      counts[r] = static_cast<int>(sizes[r]);
      total += sizes[r];
    }
    if (total > kMaxMessageBytes) throw DeviceError("MPI allgather of more than 1 GiB");
    std::string all(total, '\0');
    check(MPI_Allgatherv(bytes.data(), counts[static_cast<size_t>(rank_)], MPI_BYTE, all.data(), counts.data(),
                         offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "allgatherv");
    std::vector<std::string> out(sizes.size());
    for (size_t r = 0; r < sizes.size(); ++r) out[r] = all.substr(static_cast<size_t>(offsets[r]), sizes[r]);
    return out;
  }

  void gather_to_root(const std::string& bytes,
                      const std::function<void(int, const std::string&)>& consume) const override {
    constexpr int kTag = 9;
    if (rank_ != 0) {
      // Wait for rank 0 to ask, so that it receives one rank's bytes at a time.
      int ready = 0;
      check(MPI_Recv(&ready, 1, MPI_INT, 0, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "recv");
      const auto n = static_cast<uint64_t>(bytes.size());
      check(MPI_Send(&n, 1, MPI_UINT64_T, 0, kTag, MPI_COMM_WORLD), "send");
      for (size_t done = 0; done < bytes.size(); done += kMaxMessageBytes) {
        const size_t piece = std::min(kMaxMessageBytes, bytes.size() - done);
        check(MPI_Send(bytes.data() + done, static_cast<int>(piece), MPI_BYTE, 0, kTag, MPI_COMM_WORLD), "send");
      }
      return;
    }
    consume(0, bytes);
    std::string received;
    for (int r = 1; r < size_; ++r) {
      int ready = 1;
      check(MPI_Send(&ready, 1, MPI_INT, r, kTag, MPI_COMM_WORLD), "send");
      uint64_t n = 0;
      check(MPI_Recv(&n, 1, MPI_UINT64_T, r, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "recv");
      received.resize(n);
      for (size_t done = 0; done < n; done += kMaxMessageBytes) {
        const size_t piece = std::min<size_t>(kMaxMessageBytes, n - done);
        check(MPI_Recv(received.data() + done, static_cast<int>(piece), MPI_BYTE, r, kTag, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "recv");
      }
      consume(r, received);
    }
  }

 private:
  int rank_ = 0, size_ = 1;
};

std::unique_ptr<MpiCommunicator> g_mpi;

// mpirun (OpenMPI), srun with PMIx or PMI, and MPICH's launcher set one of these in each rank.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}
#endif

template <typename T>
void append_raw(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T read_raw(const std::string& in, size_t offset) {
  T value;
  std::memcpy(&value, in.data() + offset, sizeof value);
  return value;
}

}  // namespace

const Communicator& serial_communicator() {
  static const SerialCommunicator serial;
  return serial;
}

const Communicator& world() {
#if RATEOPT_HAVE_MPI
  if (g_mpi) return *g_mpi;
#endif
  return serial_communicator();
}

ParallelSession::ParallelSession(int& argc, char**& argv) {
#if RATEOPT_HAVE_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // OpenMP threads never call MPI
  g_mpi = std::make_unique<MpiCommunicator>();
#else
  (void)argc;
  (void)argv;
#endif
}

ParallelSession::~ParallelSession() {
#if RATEOPT_HAVE_MPI
  if (g_mpi) {
    g_mpi.reset();
    MPI_Finalize();
  }
#endif
}

void Communicator::sum(std::vector<double>& values) const {
  if (size() == 1) return;
  std::string mine(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  const std::vector<std::string> all = allgather(mine);
  std::fill(values.begin(), values.end(), 0.0);
  for (const std::string& part : all) {
    if (part.size() != mine.size()) throw DeviceError("ranks disagree on the length of a reduction");
    for (size_t k = 0; k < values.size(); ++k) values[k] += read_raw<double>(part, k * sizeof(double));
  }
}

double Communicator::max(double value) const {
  if (size() == 1) return value;
  std::string mine;
  append_raw(mine, value);
  double out = value;
  for (const std::string& part : allgather(mine)) out = std::max(out, read_raw<double>(part, 0));
  return out;
}

uint64_t Communicator::sum_below(uint64_t value) const {
  if (size() == 1) return 0;
  std::string mine;
  append_raw(mine, value);
  const std::vector<std::string> all = allgather(mine);
  uint64_t below = 0;
  for (int r = 0; r < rank(); ++r) below += read_raw<uint64_t>(all[static_cast<size_t>(r)], 0);
  return below;
}

std::string Communicator::broadcast(const std::string& bytes) const {
  if (size() == 1) return bytes;
  return allgather(rank() == 0 ? bytes : std::string())[0];
}

void run_agreed(const Communicator& comm, const std::function<void()>& step) {
  if (comm.size() == 1) {  // nobody to agree with: the error as it was thrown
    step();
    return;
  }
  // 0: fine; 1: failed because another rank did; 2: failed for a reason of its own.
  char state = 0;
  int code = 0;
  std::string message;
  try {
    step();
  } catch (const PeerFailed&) {
    state = 1;
  } catch (const Error& e) {
    state = 2;
    code = e.exit_code();
    message = e.what();
  } catch (const std::bad_alloc&) {
    state = 2;
    code = 4;
    message = "out of memory";
  } catch (const std::exception& e) {
    state = 2;
    code = 3;
    message = e.what();
  }
  std::string mine(1, state);
  append_raw(mine, code);
  mine += message;
  const std::vector<std::string> all = comm.allgather(mine);
  bool any_failed = false;
  for (const std::string& part : all) {
    any_failed |= part[0] != 0;
    if (part[0] == 2) throw AgreedError(part.substr(1 + sizeof(int)), read_raw<int>(part, 1));
  }
  if (any_failed) throw AgreedError("a rank failed without saying why", 3);
}

int report_failure(const std::string& text, int exit_code, bool agreed) {
  const std::string message = one_line(text);  // whatever a message echoes, it is one line
  const Communicator& comm = world();
  if (comm.size() == 1 || (agreed && comm.rank() == 0)) std::cerr << "rateopt: error: " << message << "\n";
  if (comm.size() == 1 || agreed) return exit_code;
  std::cerr << "rateopt: error (rank " << comm.rank() << " of " << comm.size() << "): " << message << "\n";
#if RATEOPT_HAVE_MPI
  MPI_Abort(MPI_COMM_WORLD, exit_code);  // the other ranks would wait for this one for ever
#endif
  return exit_code;
}

// ---------------------------------------------------------------- the sharded backend

namespace {

class ShardedBackend final : public Backend {
 public:
  ShardedBackend(std::unique_ptr<Backend> local, const Communicator& comm) : local_(std::move(local)), comm_(comm) {}

  std::string name() const override { return local_->name(); }
  std::string device_name() const override {
    return local_->device_name() + " on each of " + std::to_string(comm_.size()) + " MPI ranks";
  }
  void upload(const PolicyArrays& policies) override { local_->upload(policies); }
  void set_multipliers(const std::vector<double>& m) override { local_->set_multipliers(m); }
  void get_multipliers(std::vector<double>& m) override { local_->get_multipliers(m); }
  void evaluate(PassSums& out) override {
    local_->evaluate(out);
    reduce(out);
  }
  void lagrangian_argmax(const std::vector<double>& omega, bool want_curvature, PassSums& out) override {
    local_->lagrangian_argmax(omega, want_curvature, out);
    reduce(out);
  }
  void newton_system(const std::vector<double>& omega, PassSums& out) override {
    local_->newton_system(omega, out);
    reduce(out);
  }
  void newton_trial(const std::vector<double>& omega, const std::vector<double>& z, double alpha,
                    PassSums& out) override {
    local_->newton_trial(omega, z, alpha, out);
    reduce(out);
  }
  void accept_trial() override { local_->accept_trial(); }
  int64_t passes() const override { return local_->passes(); }

 private:
  // One allgather per pass: the sums, then the maximum, then the count (exact in a double below 2^53).
  void reduce(PassSums& s) const {
    std::vector<double> packed;
    packed.reserve(s.T.size() + s.curvature.size() + s.r.size() + 4);
    packed.insert(packed.end(), s.T.begin(), s.T.end());
    packed.insert(packed.end(), s.curvature.begin(), s.curvature.end());
    packed.insert(packed.end(), s.r.begin(), s.r.end());
    packed.push_back(s.h_sum);
    packed.push_back(s.g_dinv_g);
    packed.push_back(static_cast<double>(s.n_free));
    const size_t sums = packed.size();
    packed.push_back(s.max_projected_gradient);

    std::string mine(reinterpret_cast<const char*>(packed.data()), packed.size() * sizeof(double));
    const std::vector<std::string> all = comm_.allgather(mine);
    std::vector<double> total(packed.size(), 0.0);
    total[sums] = -1.0;
    for (const std::string& part : all) {
      if (part.size() != mine.size()) throw DeviceError("ranks disagree on the basis size of a pass");
      for (size_t k = 0; k < sums; ++k) total[k] += read_raw<double>(part, k * sizeof(double));
      total[sums] = std::max(total[sums], read_raw<double>(part, sums * sizeof(double)));
    }
    size_t k = 0;
    for (double& v : s.T) v = total[k++];
    for (double& v : s.curvature) v = total[k++];
    for (double& v : s.r) v = total[k++];
    s.h_sum = total[k++];
    s.g_dinv_g = total[k++];
    s.n_free = static_cast<int64_t>(total[k++]);
    s.max_projected_gradient = total[k];
  }

  std::unique_ptr<Backend> local_;
  const Communicator& comm_;
};

}  // namespace

std::unique_ptr<Backend> make_sharded_backend(std::unique_ptr<Backend> local, const Communicator& comm) {
  if (comm.size() == 1) return local;
  return std::make_unique<ShardedBackend>(std::move(local), comm);
}

}  // namespace rateopt
