#include "core/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "core/clock.h"
#include "core/sample.h"

namespace hostmind {
namespace {

TEST(Status, ErrnoMapsToCodesAndNamesTheOperation) {
  EXPECT_EQ(Status::FromErrno(ENOENT, "open /x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::FromErrno(EACCES, "open /x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::FromErrno(EIO, "read /x").code(), StatusCode::kIoError);
  EXPECT_EQ(Status::FromErrno(ENOENT, "open /x").ToString(), "NotFound: open /x: No such file or directory");
  EXPECT_EQ(Status::Ok().ToString(), "OK");
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Status Chain(int x, int* out) {
  auto r = Half(x);
  HM_RETURN_IF_ERROR(r.status());
  *out = *r;
  return Status::Ok();
}

TEST(Result, HoldsValueOrStatus) {
  EXPECT_EQ(*Half(4), 2);
  EXPECT_FALSE(Half(3).ok());
  EXPECT_EQ(Half(3).value_or(-1), -1);
  int out = 0;
  EXPECT_TRUE(Chain(8, &out).ok());
  EXPECT_EQ(out, 4);
  EXPECT_EQ(Chain(7, &out).code(), StatusCode::kInvalidArgument);
}

TEST(SeriesKey, SortsLabelsAndEscapes) {
  SeriesKey k("m", {{"b", "2"}, {"a", "x\"y\\z\n"}});
  EXPECT_EQ(k.id(), "m{a=\"x\\\"y\\\\z\\n\",b=\"2\"}");
  EXPECT_EQ(k.label("b"), "2");
  EXPECT_EQ(k.label("c"), "");
  EXPECT_EQ(SeriesKey("up").id(), "up");
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock c(100);
  EXPECT_EQ(c.Now(), 100);
  c.Advance(50);
  EXPECT_EQ(c.Now(), 150);
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatDuration(9 * kMsPerHour), "9.0 h");
  EXPECT_EQ(FormatDuration(30 * kMsPerSecond), "30 s");
}

}  // namespace
}  // namespace hostmind
