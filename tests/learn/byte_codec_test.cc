#include "learn/byte_codec.h"

#include <gtest/gtest.h>

#include <limits>

namespace hostmind {
namespace {

TEST(ByteCodecTest, FloatsRoundTripInFourBytes) {
  ByteWriter w;
  w.PutFloat(-1.5f);
  w.PutFloat(std::numeric_limits<float>::max());
  EXPECT_EQ(w.bytes().size(), 8u);
  ByteReader r(w.bytes());
  float f;
  ASSERT_TRUE(r.GetFloat(&f));
  EXPECT_EQ(f, -1.5f);
  ASSERT_TRUE(r.GetFloat(&f));
  EXPECT_EQ(f, std::numeric_limits<float>::max());
  EXPECT_FALSE(r.GetFloat(&f));
}

TEST(ByteCodecTest, RoundTrips) {
  ByteWriter w;
  w.PutRaw("MAGIC");
  w.PutVarint(0);
  w.PutVarint(300);
  w.PutVarint(std::numeric_limits<uint64_t>::max());
  w.PutSignedVarint(-5);
  w.PutSignedVarint(std::numeric_limits<int64_t>::min());
  w.PutFixed64(0x0102030405060708ULL);
  w.PutDouble(-2.5);
  w.PutString("hello");
  ByteReader r(w.bytes());
  uint64_t u;
  int64_t s;
  double d;
  std::string str;
  ASSERT_TRUE(r.Expect("MAGIC"));
  ASSERT_TRUE(r.GetVarint(&u));
  EXPECT_EQ(u, 0u);
  ASSERT_TRUE(r.GetBounded(300, &u));
  EXPECT_EQ(u, 300u);
  ASSERT_TRUE(r.GetVarint(&u));
  EXPECT_EQ(u, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(r.GetSignedVarint(&s));
  EXPECT_EQ(s, -5);
  ASSERT_TRUE(r.GetSignedVarint(&s));
  EXPECT_EQ(s, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(r.GetFixed64(&u));
  EXPECT_EQ(u, 0x0102030405060708ULL);
  ASSERT_TRUE(r.GetDouble(&d));
  EXPECT_EQ(d, -2.5);
  ASSERT_TRUE(r.GetString(&str));
  EXPECT_EQ(str, "hello");
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.GetVarint(&u));
}

TEST(ByteCodecTest, RejectsTruncatedAndOversized) {
  ByteWriter w;
  w.PutString("abcdef");
  std::string bytes = w.bytes();
  std::string s;
  EXPECT_FALSE(ByteReader(std::string_view(bytes).substr(0, 4)).GetString(&s));
  uint64_t v;
  EXPECT_FALSE(ByteReader("\xff\xff").GetVarint(&v));
  ByteWriter big;
  big.PutVarint(1000);
  EXPECT_FALSE(ByteReader(big.bytes()).GetBounded(999, &v));
  EXPECT_FALSE(ByteReader("abc").Expect("abd"));
}

}  // namespace
}  // namespace hostmind
