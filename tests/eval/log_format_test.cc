#include "eval/log_format.h"

#include <gtest/gtest.h>

#include "eval/csv.h"

namespace hostmind {
namespace {

TEST(LogFormatTest, SplitsHeaderFieldsLazily) {
  auto f = LogFormat::Parse("<Date> <Time> <Pid> <Level> <Component>: <Content>");
  ASSERT_TRUE(f.ok());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(f->Match("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1: done\r", fields));
  EXPECT_EQ(fields[4], "dfs.DataNode$PacketResponder");
  EXPECT_EQ(fields[f->FieldIndex("Content")], "PacketResponder 1: done");
  EXPECT_FALSE(f->Match("too short", fields));
}

TEST(LogFormatTest, OptionalGroupsAndEscapes) {
  auto f = LogFormat::Parse("<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::vector<std::string_view> fields;
  ASSERT_TRUE(f->Match("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown", fields));
  EXPECT_EQ(fields[4], "sshd(pam_unix)");
  EXPECT_EQ(fields[5], "19939");
  EXPECT_EQ(fields[6], "check pass; user unknown");
  ASSERT_TRUE(f->Match("Jun  9 06:06:20 combo syslogd: restart.", fields));
  EXPECT_EQ(fields[4], "syslogd");
  EXPECT_EQ(fields[6], "restart.");
}

TEST(LogFormatTest, RejectsUnsupportedSyntax) {
  EXPECT_FALSE(LogFormat::Parse("<A> .* <Content>").ok());
  EXPECT_FALSE(LogFormat::Parse("no fields").ok());
  EXPECT_FALSE(LogFormat::Parse("<A> (x").ok());
  EXPECT_FALSE(LogFormat::Parse("<A").ok());
}

TEST(LogFormatTest, AHostileLineCostsBoundedTime) {
  auto f = LogFormat::Parse("<A> <B> <C> <D> <E> <F> <G>: <Content>");
  ASSERT_TRUE(f.ok());
  std::vector<std::string_view> fields;
  EXPECT_FALSE(f->Match(std::string(100000, ' ') + std::string(100000, 'a'), fields));
}

TEST(CsvTest, QuotedFieldsAndLineEnds) {
  auto rows = ParseCsv("a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\"multi\nline\",,\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1][1], "x, \"y\"");
  EXPECT_EQ((*rows)[2][0], "multi\nline");
  EXPECT_EQ((*rows)[2].size(), 3u);
  EXPECT_FALSE(ParseCsv("a,\"b\n").ok());
}

}  // namespace
}  // namespace hostmind
