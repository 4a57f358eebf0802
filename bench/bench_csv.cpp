// Book CSV throughput (SPEC §1.1): a 1e6-row benchmark-profile book, parsed from memory and read from
// a file (page cache warm), reported in MB/s.  The reader is single-threaded, so the figures are per
// core; the requirement is at least 100 MB/s.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "rateopt/book.hpp"

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

void report(benchmark::State& state, size_t bytes) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kRows), benchmark::Counter::kIsRate);
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  state.SetLabel("1 thread");
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
  report(state, csv.text.size());
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

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("book_csv",
                              "1e6-row benchmark profile; reader and writer are single-threaded, "
                              "so bytes_per_second is per core (requirement: >= 100 MB/s)");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
