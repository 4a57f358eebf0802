// The audit block's common head, shared by the result.json of optimise and of scenarios.
#pragma once

#include <nlohmann/json.hpp>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"

namespace rateopt {

/// The audit's head (SPEC §1.7): the inputs (book file, SHA-256, counts, plain and weighted sums), every
/// option in force, rateopt version and git revision, whether CUDA is compiled in, UTC timestamp.
nlohmann::ordered_json audit_header(const BookView& book, const OptimiseOptions& options);

}  // namespace rateopt
