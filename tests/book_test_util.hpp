// A helper shared by the book reader's tests: two books compared column by column.
#pragma once

#include <gtest/gtest.h>

#include "rateopt/book.hpp"
#include "test_util.hpp"

namespace rateopt::test {

/// Every column, the group names, the ids and the flags of two books are the same (doubles to the bit).
inline void expect_same_book(const Book& expected, const Book& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  EXPECT_TRUE(same_doubles(expected.technical_price, actual.technical_price));
  EXPECT_TRUE(same_doubles(expected.expected_loss_cost, actual.expected_loss_cost));
  EXPECT_TRUE(same_doubles(expected.p_demand, actual.p_demand));
  EXPECT_TRUE(same_doubles(expected.elasticity, actual.elasticity));
  EXPECT_EQ(expected.renewal_flag, actual.renewal_flag);
  EXPECT_TRUE(same_doubles(expected.enbp, actual.enbp));
  EXPECT_TRUE(same_doubles(expected.prior_multiplier, actual.prior_multiplier));
  EXPECT_TRUE(same_doubles(expected.claims_variance, actual.claims_variance));
  EXPECT_TRUE(same_doubles(expected.expense, actual.expense));
  EXPECT_TRUE(same_doubles(expected.weight, actual.weight));
  EXPECT_EQ(expected.group, actual.group);
  EXPECT_EQ(expected.group_names, actual.group_names);
  EXPECT_EQ(expected.id_chars, actual.id_chars);
  EXPECT_EQ(expected.id_offset, actual.id_offset);
  EXPECT_EQ(expected.has_enbp, actual.has_enbp);
  EXPECT_EQ(expected.has_claims_variance, actual.has_claims_variance);
  EXPECT_EQ(expected.has_group, actual.has_group);
}

}  // namespace rateopt::test
