// Helpers shared by the tests of the `rateopt` program (tests/cli/test_*_cli.cpp): each test runs the
// built binary in its scratch directory and checks its exit status, its stdout/stderr and the files it
// writes.  Books are small (≤ 2,000 policies) so every file runs in a few seconds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "optimise/backend/backend.hpp"
#include "rateopt/build_config.hpp"
#include "rateopt/options.hpp"
#include "test_util.hpp"

namespace rateopt::cli_test {

namespace fs = std::filesystem;
using test::CliRun;
using test::describe;
using test::read_text_file;
using test::run_rateopt;
using test::scratch_dir;
using test::write_text_file;

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline bool contains_any(const std::string& haystack, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) { return contains(haystack, n); });
}

inline std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) fields.push_back(field);
  if (!line.empty() && line.back() == sep) fields.push_back("");
  return fields;
}

/// A simple CSV (no quoted fields, which neither the generator nor policies.csv need here): header
/// names and the rows as text.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      ADD_FAILURE() << "no column " << name;
      return 0;
    }
    return static_cast<size_t>(it - header.begin());
  }
  double number(size_t row, const std::string& name) const { return std::stod(rows[row][column(name)]); }
  const std::string& text(size_t row, const std::string& name) const { return rows[row][column(name)]; }
};

inline Csv read_csv(const fs::path& path) {
  Csv csv;
  std::ifstream in(path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first) {
      csv.header = split(line, ',');
      first = false;
    } else if (!line.empty()) {
      csv.rows.push_back(split(line, ','));
    }
  }
  return csv;
}

inline std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::set<std::string> option_keys() {
  std::set<std::string> keys;
  OptimiseOptions o;
  visit_options(o, [&](const OptionRow& row, auto&) { keys.insert(row.key); });
  return keys;
}

inline std::string flag_of(const std::string& key) {
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

/// Generate a book with the CLI; fails the test when generation fails.
inline fs::path generate(const fs::path& dir, size_t policies, const std::string& profile = "benchmark",
                         uint64_t seed = 7) {
  const fs::path book = dir / ("book_" + profile + ".csv");
  const CliRun r = run_rateopt(dir, {"generate", "--policies", std::to_string(policies), "--seed", std::to_string(seed),
                                     "--profile", profile, "--out", book.string()});
  EXPECT_EQ(r.rc, 0) << describe(r);
  EXPECT_TRUE(fs::exists(book)) << describe(r);
  return book;
}

inline const std::vector<std::string> kBenchmarkConstraints = {"--lr-max",          "0.68", "--retention-min", "0.78",
                                                               "--max-rate-change", "0.25", "--enbp-buffer",   "0.01"};

inline std::vector<std::string> optimise_args(const fs::path& book, const fs::path& out_dir,
                                              const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"optimise", "--book", book.string(), "--out-dir", out_dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Without CUDA compiled in, --device cuda is an option error; with CUDA but no usable GPU (this
// machine and CI) it is a device failure.  Where a GPU is usable the gpu-labelled tests cover it.
inline bool gpu_usable() {
#if RATEOPT_HAVE_CUDA
  return rateopt::probe_cuda_device().usable;
#else
  return false;
#endif
}

}  // namespace rateopt::cli_test
