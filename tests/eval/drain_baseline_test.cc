#include "eval/drain_baseline.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

TEST(DrainBaselineTest, GroupsByLengthFirstTokenAndSimilarity) {
  DrainBaseline d;
  size_t a = d.Add("Received block blk_1 of size 10");
  EXPECT_EQ(d.Add("Received block blk_2 of size 20"), a);
  EXPECT_EQ(d.Template(a), "Received block <*> of size <*>");
  EXPECT_NE(d.Add("Received block blk_3 of size 30 extra"), a);  // another length
  EXPECT_NE(d.Add("Deleting block blk_4 of size 40"), a);        // another first token
  size_t c = d.Add("Received nothing at all here now");
  EXPECT_NE(c, a);  // 1 of 6 tokens in common: below similarity 0.4
}

}  // namespace
}  // namespace hostmind
