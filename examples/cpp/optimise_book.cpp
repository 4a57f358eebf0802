// Price a book with rateopt's public C++ API alone (include/rateopt/): read the book, set the
// options, solve, print the answer.
//   optimise_book [BOOK.csv]    without a file: a generated 2,000-policy benchmark book
#include <algorithm>
#include <cstdio>

#include "rateopt/book.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"
#include "rateopt/solve.hpp"

int main(int argc, char** argv) {
  try {
    const rateopt::Book book =
        argc > 1 ? rateopt::read_book_csv(argv[1]) : rateopt::generate_book(2000, 42, rateopt::BookProfile::benchmark);

    rateopt::OptimiseOptions options;
    options.lr_max = 0.68;         // expected loss ratio at most 68%
    options.retention_min = 0.78;  // keep at least 78% of the renewals
    options.max_rate_change = 0.25;
    options.device = rateopt::Device::cpu;

    const rateopt::SolveResult result = rateopt::optimise(book, options);
    std::printf("status     %s\n", rateopt::to_string(result.status));
    std::printf("profit     %.2f\n", result.expected_profit);
    std::printf("loss ratio %.4f\n", result.expected_loss_ratio);
    std::printf("retention  %.4f\n", result.expected_retention);
    if (result.optimality_gap) std::printf("gap        %.3g\n", *result.optimality_gap);
    for (size_t i = 0; i < std::min<size_t>(5, book.size()); ++i)
      std::printf("policy %s: multiplier %.4f\n", book.policy_id(i).c_str(), result.multiplier[i]);
    return result.converged ? 0 : 3;
  } catch (const rateopt::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  }
}
