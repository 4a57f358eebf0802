// The sharded solve of issue 9 without MPI: ranks are threads of this process joined by an in-memory
// communicator, each solving a slice of the book in memory, so the reduction of the pass sums, the
// book-wide preparation and the agreement on errors are tested in every build (the Mpi/ tests cover
// the real mpiexec path).  The CUDA instance (Gpu/) runs every rank's shard on the GPU.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "optimise/solve_internal.hpp"
#include "parallel/communicator.hpp"
#include "parallel/sharded.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/solve.hpp"
#include "test_util.hpp"

namespace rateopt {
namespace {

/// What the threads of one "job" share: an allgather meeting point.
class ThreadJob {
 public:
  explicit ThreadJob(int size) : size_(size), slots_(static_cast<size_t>(size)) {}
  int size() const { return size_; }

  std::vector<std::string> allgather(int rank, const std::string& bytes) {
    std::unique_lock<std::mutex> lock(mutex_);
    slots_[static_cast<size_t>(rank)] = bytes;
    if (++arrived_ == size_) {
      result_ = slots_;
      arrived_ = 0;
      ++generation_;
      wake_.notify_all();
    } else {
      const uint64_t generation = generation_;
      wake_.wait(lock, [&] { return generation_ != generation; });
    }
    return result_;  // copied under the lock: the next round cannot overwrite it first
  }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable wake_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  std::vector<std::string> slots_, result_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadJob& job, int rank) : job_(job), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return job_.size(); }
  std::vector<std::string> allgather(const std::string& bytes) const override { return job_.allgather(rank_, bytes); }
  void gather_to_root(const std::string& bytes,
                      const std::function<void(int, const std::string&)>& consume) const override {
    const std::vector<std::string> all = allgather(bytes);
    if (rank_ == 0)
      for (size_t r = 0; r < all.size(); ++r) consume(static_cast<int>(r), all[r]);
  }

 private:
  ThreadJob& job_;
  int rank_;
};

/// Rows [from, to) of a book, with the whole book's group names and line numbers.
Book slice(const Book& book, size_t from, size_t to) {
  Book part;
  part.source = book.source;
  auto cut = [&](const auto& column) {
    return std::decay_t<decltype(column)>(column.begin() + from, column.begin() + to);
  };
  part.technical_price = cut(book.technical_price);
  part.expected_loss_cost = cut(book.expected_loss_cost);
  part.p_demand = cut(book.p_demand);
  part.elasticity = cut(book.elasticity);
  part.renewal_flag = cut(book.renewal_flag);
  part.enbp = cut(book.enbp);
  part.prior_multiplier = cut(book.prior_multiplier);
  part.claims_variance = cut(book.claims_variance);
  part.expense = cut(book.expense);
  part.weight = cut(book.weight);
  part.group = cut(book.group);
  part.group_names = book.group_names;
  part.has_enbp = book.has_enbp;
  part.has_claims_variance = book.has_claims_variance;
  part.has_group = book.has_group;
  for (size_t i = from; i < to; ++i) part.line_number.push_back(book.line_of(i));
  return part;
}

struct RankOutcome {
  SolveResult result;
  std::string error;
  int exit_code = 0;
};

/// optimise_shard on `ranks` threads, rank k holding the k-th contiguous slice.
std::vector<RankOutcome> solve_on_threads(const Book& book, const OptimiseOptions& options, int ranks) {
  ThreadJob job(ranks);
  std::vector<RankOutcome> outcomes(static_cast<size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      const ThreadCommunicator comm(job, r);
      const Book shard = slice(book, book.size() * r / ranks, book.size() * (r + 1) / ranks);
      RankOutcome& out = outcomes[static_cast<size_t>(r)];
      try {
        out.result = optimise_shard(shard, options, comm, std::chrono::steady_clock::now());
      } catch (const Error& e) {
        out.error = e.what();
        out.exit_code = e.exit_code();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return outcomes;
}

class ShardedSolve : public ::testing::TestWithParam<std::string> {};

// Every rank ends with the same portfolio (bit for bit: the sums are reduced in rank order), equal
// to the single solve's to 1e-12, and the shards' multipliers put together are the single solve's.
TEST_P(ShardedSolve, RanksAgreeAndMatchTheWholeBook) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  const Book& book = test::benchmark_book_20k();
  OptimiseOptions options = test::cpu_benchmark_options();
  options.device = *enum_from_name<Device>(GetParam());
  const SolveResult whole = optimise(book, options);
  ASSERT_TRUE(whole.converged) << whole.message;
  for (int ranks : {2, 3, 5}) {
    const std::vector<RankOutcome> outcomes = solve_on_threads(book, options, ranks);
    std::vector<double> multipliers;
    for (const RankOutcome& o : outcomes) {
      ASSERT_EQ(o.error, "");
      EXPECT_EQ(o.result.expected_profit, outcomes[0].result.expected_profit) << "ranks disagree";
      EXPECT_EQ(o.result.passes, outcomes[0].result.passes);
      multipliers.insert(multipliers.end(), o.result.multiplier.begin(), o.result.multiplier.end());
    }
    const SolveResult& r = outcomes[0].result;
    EXPECT_TRUE(r.converged) << r.message;
    EXPECT_EQ(r.n_policies, whole.n_policies);
    EXPECT_EQ(r.n_renewals, whole.n_renewals);
    EXPECT_EQ(r.n_bound_conflicts, whole.n_bound_conflicts);
    EXPECT_NEAR(r.expected_profit, whole.expected_profit, 1e-12 * std::fabs(whole.expected_profit));
    ASSERT_EQ(r.constraints.size(), whole.constraints.size());
    for (size_t k = 0; k < r.constraints.size(); ++k)
      EXPECT_NEAR(r.constraints[k].value, whole.constraints[k].value, 1e-12 * std::fabs(whole.constraints[k].value));
    ASSERT_EQ(multipliers.size(), whole.multiplier.size());
    for (size_t i = 0; i < multipliers.size(); ++i)
      ASSERT_NEAR(multipliers[i], whole.multiplier[i], 1e-12 * whole.multiplier[i]) << "policy " << i;
  }
}

// More ranks than policies: some shards are empty (nothing to launch on a GPU), and every rank still
// ends with the whole book's answer.
TEST_P(ShardedSolve, EmptyShardsSolveWithTheRest) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  const Book book = generate_book(3, 5, BookProfile::benchmark);
  OptimiseOptions options = test::cpu_benchmark_options();
  options.device = *enum_from_name<Device>(GetParam());
  const SolveResult whole = optimise(book, options);
  const std::vector<RankOutcome> outcomes = solve_on_threads(book, options, 5);
  size_t empty = 0;
  for (const RankOutcome& o : outcomes) {
    ASSERT_EQ(o.error, "");
    EXPECT_EQ(o.result.backend_used, GetParam());
    EXPECT_EQ(o.result.status, whole.status) << o.result.message;
    EXPECT_NEAR(o.result.expected_profit, whole.expected_profit, 1e-12 * std::fabs(whole.expected_profit));
    empty += o.result.multiplier.empty();
  }
  EXPECT_EQ(empty, 2u);
}

// A rule broken by a row of the last shard only (a renewal without ENBP under enbp_buffer): every
// rank gets the same error naming that row's line, and none is left waiting.
TEST_P(ShardedSolve, RowErrorOnOneRankReachesEveryRank) {
  if (GetParam() == "cuda") RATEOPT_SKIP_WITHOUT_GPU();
  Book book = generate_book(900, 12, BookProfile::benchmark);
  book.source = "book.csv";
  book.line_number.clear();
  for (size_t i = 0; i < book.size(); ++i) book.line_number.push_back(i + 2);
  const size_t bad = 850;  // in the last of three shards
  book.renewal_flag[bad] = 1;
  book.enbp[bad] = std::nan("");
  OptimiseOptions options = test::cpu_benchmark_options();
  options.device = *enum_from_name<Device>(GetParam());
  ASSERT_TRUE(options.enbp_buffer.has_value());
  const std::vector<RankOutcome> outcomes = solve_on_threads(book, options, 3);
  for (const RankOutcome& o : outcomes) {
    EXPECT_EQ(o.exit_code, 2);
    EXPECT_EQ(o.error, "book.csv:852: enbp: a renewal needs an ENBP when enbp_buffer is set");
  }
}

/// Runs step(comm) on `ranks` threads joined by one ThreadCommunicator job.
void on_threads(int ranks, const std::function<void(const Communicator&)>& step) {
  ThreadJob job(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      const ThreadCommunicator comm(job, r);
      step(comm);
    });
  for (std::thread& t : threads) t.join();
}

// A book of one row read and gathered over three ranks: two shards are empty, and an empty vector
// may have no storage (data() null), which memcpy must never see, even for zero bytes (the
// sanitizer job's UBSan build fails this test where it does).
TEST(BookShards, AOneRowBookIsReadAndGatheredOverRanksWithEmptyShards) {
  const std::filesystem::path dir = test::scratch_dir();
  test::write_text_file(dir / "one.csv",
                        "policy_id,technical_price,expected_loss_cost,p_demand,elasticity\nP1,100,50,0.5,-1.5\n");
  std::vector<Book> gathered(3);
  std::vector<std::vector<double>> values(3);
  std::vector<size_t> shard_rows(3);
  on_threads(3, [&](const Communicator& comm) {
    const Book shard = read_book_csv_shard((dir / "one.csv").string(), comm);
    const auto r = static_cast<size_t>(comm.rank());
    shard_rows[r] = shard.size();
    gathered[r] = gather_book(shard, comm);
    values[r] = gather_values(shard.technical_price, comm);
  });
  EXPECT_EQ(shard_rows[0] + shard_rows[1] + shard_rows[2], 1u);
  ASSERT_EQ(gathered[0].size(), 1u);
  EXPECT_EQ(gathered[0].policy_id(0), "P1");
  EXPECT_EQ(gathered[0].technical_price, std::vector<double>{100});
  EXPECT_EQ(gathered[0].line_of(0), 2u);
  EXPECT_EQ(values[0], std::vector<double>{100});
  EXPECT_EQ(gathered[1].size(), 0u);  // only rank 0 gathers
}

size_t open_descriptors() {
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd"); it != std::filesystem::directory_iterator();
       ++it)
    ++n;
  return n;
}

// A book that is not a regular file is refused under mpirun (every rank reads its own byte range),
// and the descriptor opened to find that out is closed again.
TEST(BookShards, ABookThatIsNotARegularFileIsRefusedAndItsDescriptorClosed) {
  const std::filesystem::path dir = test::scratch_dir();
  const size_t before = open_descriptors();
  for (const std::string& path : {dir.string(), std::string("/dev/null")}) {
    try {
      read_book_csv_shard(path, serial_communicator());
      ADD_FAILURE() << path << " was read";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), path + ": cannot open: a book read by several MPI ranks must be a regular file");
    }
  }
  EXPECT_EQ(open_descriptors(), before);
}

INSTANTIATE_TEST_SUITE_P(Cpu, ShardedSolve, ::testing::Values(std::string("cpu")));
INSTANTIATE_TEST_SUITE_P(Gpu, ShardedSolve, ::testing::Values(std::string("cuda")));

}  // namespace
}  // namespace rateopt
