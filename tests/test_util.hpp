// Helpers shared by the tests: a scratch directory per test, whole-file I/O, exact double comparison,
// the benchmark constraint set on the CPU and a shared 20,000-policy benchmark book.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "optimise/backend/backend.hpp"
#include "rateopt/book.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/options.hpp"

namespace rateopt::test {

/// RATEOPT_REQUIRE_GPU=1 (set for a run on a GPU machine): a GPU test that finds no usable GPU fails
/// instead of skipping, so a broken device does not look like a green run.
inline bool gpu_required() {
  const char* v = std::getenv("RATEOPT_REQUIRE_GPU");
  return v != nullptr && std::string(v) == "1";
}

/// Why a GPU test cannot run here, or "" when it can.
inline std::string gpu_missing_reason() {
  if (!RATEOPT_HAVE_CUDA) return "CUDA not compiled in";
  const CudaDeviceProbe probe = probe_cuda_device();
  return probe.usable ? "" : probe.reason;
}

/// The peer's benchmark constraint set, solved on the CPU.
inline OptimiseOptions cpu_benchmark_options() {
  OptimiseOptions o = benchmark_constraint_options();
  o.device = Device::cpu;
  return o;
}

/// generate_book(20000, 31, BookProfile::benchmark), made once per test binary.
inline const Book& benchmark_book_20k() {
  static const Book book = generate_book(20000, 31, BookProfile::benchmark);
  return book;
}

/// A directory for the running test under RATEOPT_TEST_TMP, named after the test so that tests run in
/// parallel by ctest never share one.  Emptied on the test's first call only: calling it again in the
/// same test returns the same directory with its files.
inline std::filesystem::path scratch_dir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';  // parameterised tests have '/' in their names
  }
  const std::filesystem::path dir = std::filesystem::path(RATEOPT_TEST_TMP) / name;
  static std::string emptied_for;  // the test whose directory was last emptied
  if (emptied_for != name) {
    std::filesystem::remove_all(dir);
    emptied_for = name;
  }
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Text shapes without <regex>: GCC 12 at -O2 -g warns (-Wmaybe-uninitialized, an error here) inside
// libstdc++'s regex code.

/// Whether text has exactly the shape of pattern, where '#' stands for one decimal digit and any
/// other character for itself: has_shape(timestamp, "####-##-##T##:##:##Z").
inline bool has_shape(const std::string& text, const std::string& pattern) {
  if (text.size() != pattern.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (pattern[i] == '#' ? !digit : text[i] != pattern[i]) return false;
  }
  return true;
}

/// The runs of digits and points in text ("0.1.0", "12.34", "7"), in order.
inline std::vector<std::string> digit_runs(const std::string& text) {
  std::vector<std::string> runs;
  std::string run;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if ((c >= '0' && c <= '9') || (c == '.' && !run.empty())) {
      run += c;
    } else if (!run.empty()) {
      runs.push_back(run);
      run.clear();
    }
  }
  return runs;
}

/// Bit-for-bit equality of two double columns (NaN equals NaN; 0 and −0 differ), naming the first
/// difference.
inline ::testing::AssertionResult same_doubles(const std::vector<double>& expected, const std::vector<double>& actual) {
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure() << "sizes differ: " << expected.size() << " vs " << actual.size();
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const bool both_nan = std::isnan(expected[i]) && std::isnan(actual[i]);
    if (!both_nan && (expected[i] != actual[i] || std::signbit(expected[i]) != std::signbit(actual[i]))) {
      return ::testing::AssertionFailure()
             << "row " << i << ": " << std::hexfloat << expected[i] << " vs " << actual[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace rateopt::test

/// The one way a GPU test leaves when no GPU is usable: a skip, or a failure under RATEOPT_REQUIRE_GPU=1.
#define RATEOPT_SKIP_WITHOUT_GPU()                                                                 \
  do {                                                                                             \
    const std::string rateopt_missing = ::rateopt::test::gpu_missing_reason();                     \
    if (!rateopt_missing.empty()) {                                                                \
      if (::rateopt::test::gpu_required()) FAIL() << "RATEOPT_REQUIRE_GPU=1: " << rateopt_missing; \
      GTEST_SKIP() << rateopt_missing;                                                             \
    }                                                                                              \
  } while (0)
