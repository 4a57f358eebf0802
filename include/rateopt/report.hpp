// Writing a solve's outputs: result.json (summary + audit trail, SPEC §1.6–1.7) and policies.csv.
#pragma once

#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"

namespace rateopt {

/// The summary JSON printed by `rateopt optimise --json` (one object).
std::string summary_json(const Book& book, const OptimiseOptions& options, const SolveResult& result);

/// Write DIR/result.json and DIR/policies.csv atomically (temporary file, then rename).  Refuses
/// (InputError) to replace an existing output unless `force`.  Creates DIR when missing.
void write_solve_outputs(const std::string& out_dir, const Book& book, const OptimiseOptions& options,
                         const SolveResult& result, bool force);

/// Fail early (InputError) if writing into out_dir would overwrite an existing file of `names`
/// without force, so nothing is computed for output that cannot be written.
void check_output_dir(const std::string& out_dir, const std::vector<std::string>& names, bool force);

/// Write text to path atomically: path.tmp.<pid>, fsync, rename.
void write_file_atomically(const std::string& path, const std::string& contents);

/// SHA-256 of a file, lowercase hex.
std::string sha256_file(const std::string& path);

/// rateopt's version and the git revision it was built from.
std::string version_string();
std::string git_revision();

}  // namespace rateopt
