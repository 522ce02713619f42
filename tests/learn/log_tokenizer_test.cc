#include "learn/log_tokenizer.h"

#include <gtest/gtest.h>

namespace hostmind {
namespace {

std::vector<LogToken> Tokens(std::string_view line, size_t max = 64) {
  std::vector<LogToken> out;
  TokenizeLogLine(line, max, out);
  return out;
}

TEST(LogTokenizerTest, MasksValuesAndKeepsWords) {
  auto t = Tokens("connection from 10.1.2.3:22 (host-1.example.com) at Sun Jul  9 22:53:19 2005 done");
  ASSERT_EQ(t.size(), 11u);
  EXPECT_FALSE(t[0].variable);
  EXPECT_TRUE(t[2].variable);   // address
  EXPECT_TRUE(t[3].variable);   // host name with digits
  EXPECT_TRUE(t[5].variable);   // weekday
  EXPECT_TRUE(t[6].variable);   // month
  EXPECT_TRUE(t[8].variable);   // time
  EXPECT_FALSE(t[10].variable);
  EXPECT_EQ(t[10].text, "done");
}

TEST(LogTokenizerTest, KeyValueTokensKeepTheirKey) {
  EXPECT_EQ(WordOf("(uid=0)"), "(uid=<*>)");
  EXPECT_EQ(WordOf("rhost=csnsu.nsuok.edu"), "rhost=<*>");
  EXPECT_EQ(WordOf("user=root"), "user=root");
  auto t = Tokens("uid=0 user=root rhost=10.0.0.1");
  EXPECT_FALSE(t[0].variable);
  EXPECT_EQ(t[0].hash, HashBytes("uid=<*>"));
  EXPECT_EQ(t[1].hash, HashBytes("user=root"));
  EXPECT_EQ(Tokens("rhost=somewhere.org")[0].hash, t[2].hash);
}

TEST(LogTokenizerTest, PathsUrlsAndSizeUnitsAreValues) {
  auto t = Tokens("wrote /var/log/x.log to https://a.b/c size 5.2 KB, free 3 MB)");
  EXPECT_TRUE(t[1].variable);
  EXPECT_TRUE(t[3].variable);
  EXPECT_TRUE(t[5].variable);
  EXPECT_TRUE(t[6].variable);  // "KB," after a number
  EXPECT_TRUE(t[9].variable);  // "MB)"
  EXPECT_FALSE(Tokens("KB alone")[0].variable);
}

TEST(LogTokenizerTest, BoundsTheTokenCount) {
  auto t = Tokens("a b c d e f g h", 4);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[3].text, "d e f g h");
  EXPECT_TRUE(t[3].variable);
  EXPECT_TRUE(Tokens("  \t ").empty());
}

TEST(LogTokenizerTest, HashIsStable) {
  // Saved miner states hold words and are re-hashed on load: the hash must never change.
  EXPECT_EQ(HashBytes(""), HashBytes(std::string()));
  EXPECT_NE(HashBytes("a"), HashBytes("b"));
  EXPECT_EQ(HashBytes("hello world, hello"), HashBytes(std::string("hello world, hello")));
}

}  // namespace
}  // namespace hostmind
