// Book CSV throughput (SPEC §1.1): a 1e6-row benchmark-profile book, parsed from memory and read from
// a file (page cache warm), reported in MB/s.  Parsing from memory and writing run on one thread (figures per
// core; the requirement is at least 100 MB/s); reading a file runs on OMP_NUM_THREADS threads (all by default).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "rateopt/book.hpp"
#include "rateopt/grid.hpp"

namespace {

constexpr size_t kRows = 1000000;

/// The generated book, its CSV text and a file holding it, made once for every benchmark.
struct CsvFixture {
  rateopt::Book book;
  std::string path;
  std::string text;

  CsvFixture() : book(rateopt::generate_book(kRows, 42, rateopt::BookProfile::benchmark)) {
    path = (std::filesystem::temp_directory_path() / ("rateopt_bench_csv_" + std::to_string(::getpid()) + ".csv"))
               .string();
    rateopt::write_book_csv(book, path);
    std::ifstream in(path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ~CsvFixture() { std::remove(path.c_str()); }
  CsvFixture(const CsvFixture&) = delete;
  CsvFixture& operator=(const CsvFixture&) = delete;
};

const CsvFixture& fixture() {
  static const CsvFixture instance;
  return instance;
}

void report(benchmark::State& state, size_t bytes, int threads = 1) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kRows), benchmark::Counter::kIsRate);
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  state.SetLabel(std::to_string(threads) + (threads == 1 ? " thread" : " threads"));
}

void BM_ParseBookCsv(benchmark::State& state) {
  const CsvFixture& csv = fixture();
  for (auto _ : state) {
    const rateopt::Book book = rateopt::parse_book_csv(csv.text.data(), csv.text.size(), "bench.csv");
    benchmark::DoNotOptimize(book.technical_price.data());
  }
  report(state, csv.text.size());
}
BENCHMARK(BM_ParseBookCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReadBookCsv(benchmark::State& state) {
  const CsvFixture& csv = fixture();
  for (auto _ : state) {
    const rateopt::Book book = rateopt::read_book_csv(csv.path);
    benchmark::DoNotOptimize(book.technical_price.data());
  }
  report(state, csv.text.size(), omp_get_max_threads());
}
BENCHMARK(BM_ReadBookCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WriteBookCsv(benchmark::State& state) {
  const CsvFixture& csv = fixture();
  const std::string out_path = csv.path + ".out";
  for (auto _ : state) rateopt::write_book_csv(csv.book, out_path);
  report(state, csv.text.size());
  std::remove(out_path.c_str());
}
BENCHMARK(BM_WriteBookCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

// A long price grid as price-contour's scoring writes it (41 candidates per policy, 6 decimals for demand,
// cents for money), 1e5 policies: 4.1e6 rows, about 230 MB.
struct GridFixture {
  static constexpr size_t kPolicies = 100000, kSteps = 41;
  std::string path;
  size_t bytes = 0;

  GridFixture() {
    path = (std::filesystem::temp_directory_path() / ("rateopt_bench_grid_" + std::to_string(::getpid()) + ".csv"))
               .string();
    std::FILE* out = std::fopen(path.c_str(), "w");
    std::fputs("policy_id,step,premium,demand,expected_loss_cost,renewal_flag,baseline,multiplier\n", out);
    uint64_t state = 42;
    const auto uniform = [&] {  // splitmix64 in [0, 1)
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
    };
    for (size_t i = 0; i < kPolicies; ++i) {
      const double tc = 200 + 600 * uniform(), cost = tc * (0.5 + 0.4 * uniform()), x0 = 0.3 + 0.6 * uniform(),
                   eps = -3 + 2.5 * uniform();
      const int renewal = uniform() < 0.6 ? 1 : 0;
      for (size_t j = 0; j < kSteps; ++j) {
        const double m = 0.8 + 0.01 * static_cast<double>(j);
        std::fprintf(out, "P%08zu,%zu,%.6f,%.6f,%.6f,%d,%d,%.6f\n", i, j, std::round(100 * tc * m) / 100,
                     std::min(1.0, x0 * std::pow(m, eps)), std::round(100 * cost) / 100, renewal, j == 20 ? 1 : 0, m);
      }
    }
    bytes = static_cast<size_t>(std::ftell(out));
    std::fclose(out);
  }
  ~GridFixture() { std::remove(path.c_str()); }
  GridFixture(const GridFixture&) = delete;
  GridFixture& operator=(const GridFixture&) = delete;
};

const GridFixture& grid_fixture() {
  static const GridFixture instance;
  return instance;
}

// The grid read a chunk of 16,384 policies at a time on one thread (as each reader of `rateopt grid`).
void BM_ReadGridCsv(benchmark::State& state) {
  const GridFixture& grid = grid_fixture();
  rateopt::GridBook chunk;
  for (auto _ : state) {
    rateopt::GridChunkReader reader(grid.path, {}, 16384);
    while (reader.next(chunk)) benchmark::DoNotOptimize(chunk.premium.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * grid.bytes));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * GridFixture::kPolicies * GridFixture::kSteps),
                         benchmark::Counter::kIsRate);
  state.SetLabel("1 thread");
}
BENCHMARK(BM_ReadGridCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("book_csv",
                              "1e6-row benchmark profile; parsing from memory and writing are single-threaded, "
                              "so their bytes_per_second is per core (requirement: >= 100 MB/s); reading a file "
                              "runs on every OpenMP thread");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
