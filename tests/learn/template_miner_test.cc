#include "learn/template_miner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace hostmind {
namespace {

std::string Failed(const std::string& user, int n) {
  return "Failed password for " + user + " from 10.0.0." + std::to_string(n % 250) + " port " +
         std::to_string(40000 + n) + " via ssh";
}

TEST(TemplateMinerTest, GroupsMessagesOfOneTemplateAndExtractsParameters) {
  TemplateMiner m;
  const LineMatch& a = m.Add("Received block blk_-123 of size 67108864 from /10.250.19.102", 1);
  TemplateId id = a.id;
  EXPECT_TRUE(a.is_new);
  const LineMatch& b = m.Add("Received block blk_9876 of size 512 from /10.251.43.21", 2);
  EXPECT_EQ(b.id, id);
  EXPECT_FALSE(b.is_new);
  ASSERT_EQ(b.params.size(), 3u);
  EXPECT_EQ(b.params[0], "blk_9876");
  EXPECT_EQ(b.params[1], "512");
  EXPECT_EQ(b.params[2], "/10.251.43.21");
  auto info = m.Info(id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->text, "Received block <*> of size <*> from <*>");
  EXPECT_EQ(info->count, 2u);
  EXPECT_EQ(info->first_seen, 1);
  EXPECT_EQ(info->last_seen, 2);
  EXPECT_EQ(info->example, "Received block blk_-123 of size 67108864 from /10.250.19.102");
}

TEST(TemplateMinerTest, FewDistinctWordsStayApartManyBecomeAVariable) {
  TemplateMiner m;  // variable_after = 4
  TemplateId start = m.Add("cupsd startup succeeded", 1).id;
  TemplateId stop = m.Add("cupsd shutdown succeeded", 2).id;
  EXPECT_NE(start, stop);
  EXPECT_EQ(m.Add("cupsd startup succeeded", 3).id, start);

  TemplateId root = m.Add(Failed("root", 1), 4).id;
  TemplateId guest = m.Add(Failed("guest", 2), 5).id;
  TemplateId test = m.Add(Failed("test", 3), 6).id;
  EXPECT_NE(root, guest);
  EXPECT_NE(guest, test);
  // The fourth distinct user turns the position into a variable: the three merge into the oldest.
  TemplateId admin = m.Add(Failed("admin", 4), 7).id;
  EXPECT_EQ(admin, root);
  EXPECT_EQ(m.Resolve(guest), root);
  EXPECT_EQ(m.Resolve(test), root);
  EXPECT_EQ(m.Info(root)->count, 4u);
  EXPECT_EQ(m.Info(root)->text, "Failed password for <*> from <*> port <*> via ssh");
  EXPECT_EQ(m.Add(Failed("oracle", 5), 8).id, root);
  EXPECT_EQ(m.stats().merged, 2u);
}

TEST(TemplateMinerTest, DissimilarMessagesOfOneLengthAreSeparateTemplates) {
  TemplateMiner m;
  TemplateId a = m.Add("Starting session of user alice", 1).id;
  TemplateId b = m.Add("Starting network interface eth0 now", 2).id;
  EXPECT_NE(a, b);
  EXPECT_EQ(m.Match("Starting session of user alice"), a);
  EXPECT_EQ(m.Match("completely different text here"), kNoTemplate);
}

TEST(TemplateMinerTest, MatchDoesNotLearn) {
  TemplateMiner m;
  m.Add("disk sda1 is full", 1);
  EXPECT_EQ(m.Match("disk sdb2 is full"), 1u);
  EXPECT_EQ(m.stats().lines, 1u);
  EXPECT_EQ(m.Info(1)->count, 1u);
}

// Lines from 40 templates with variable parts, in a fixed pseudo-random order.
std::vector<std::string> GeneratedLog(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> lines;
  static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
  for (size_t i = 0; i < n; ++i) {
    int t = static_cast<int>(rng() % 40);
    std::string line = "event" + std::string(1, static_cast<char>('a' + t % 26)) + " kind " + kWords[t % 8] +
                       " stage " + kWords[(t / 8) % 8] + " took " + std::to_string(rng() % 1000) + " ms on node" +
                       std::to_string(rng() % 50);
    if (t % 3 == 0) line += " user " + std::string(kWords[rng() % 8]);
    lines.push_back(line);
  }
  return lines;
}

TEST(TemplateMinerTest, SaveAndLoadContinueExactlyAsWithoutARestart) {
  std::vector<std::string> lines = GeneratedLog(3000, 7);
  TemplateMiner whole;
  std::vector<TemplateId> expected;
  for (size_t i = 0; i < lines.size(); ++i) expected.push_back(whole.Add(lines[i], static_cast<TimeMs>(i)).id);

  TemplateMiner first;
  for (size_t i = 0; i < 1500; ++i) first.Add(lines[i], static_cast<TimeMs>(i));
  auto restored = TemplateMiner::Load(first.Save());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  for (size_t i = 1500; i < lines.size(); ++i)
    ASSERT_EQ(restored->Add(lines[i], static_cast<TimeMs>(i)).id, expected[i]) << "line " << i;
  EXPECT_EQ(restored->Save(), whole.Save());
  EXPECT_EQ(restored->Templates().size(), whole.Templates().size());
}

TEST(TemplateMinerTest, LoadRejectsEveryTruncationAndGarbage) {
  TemplateMiner m;
  for (const std::string& line : GeneratedLog(200, 3)) m.Add(line, 0);
  std::string bytes = m.Save();
  for (size_t n = 0; n < bytes.size(); n += 7) EXPECT_FALSE(TemplateMiner::Load(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(TemplateMiner::Load("not a state").ok());
  std::mt19937 rng(1);
  for (int k = 0; k < 200; ++k) {
    std::string flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
    auto loaded = TemplateMiner::Load(flipped);  // may load or fail, must not crash
    if (loaded.ok()) loaded->Add("after a bit flip 1", 1);
  }
}

TEST(TemplateMinerTest, EvictsTheLeastRecentlySeenAtTheCap) {
  TemplateMinerConfig c;
  c.max_templates = 10;
  TemplateMiner m(c);
  TemplateId keep = m.Add("heartbeat from the watchdog", 0).id;
  for (int i = 0; i < 100; ++i) {
    // A different first word each time: a new template each time.
    m.Add("service" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(1, static_cast<char>('a' + i / 26)) +
              " started",
          i);
    m.Add("heartbeat from the watchdog", i);  // recently seen: never evicted
  }
  EXPECT_LE(m.stats().templates, 10u);
  EXPECT_GT(m.stats().evicted, 0u);
  EXPECT_EQ(m.Resolve(keep), keep);
  EXPECT_EQ(m.Resolve(2), kNoTemplate);  // the first service message is long gone
}

TEST(TemplateMinerTest, SurvivesGarbageHugeLinesAndInvalidUtf8) {
  TemplateMinerConfig c;
  c.max_templates = 200;
  TemplateMiner m(c);
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string line(rng() % 300, '\0');
    for (char& ch : line) ch = static_cast<char>(rng());
    const LineMatch& r = m.Add(line, i);
    EXPECT_NE(r.id, kNoTemplate);
  }
  std::string huge(1 << 20, 'x');
  for (size_t i = 0; i < huge.size(); i += 3) huge[i] = ' ';
  const LineMatch& big = m.Add(huge, 1);
  EXPECT_LE(big.params.size(), c.max_tokens);
  auto info = m.Info(big.id);
  ASSERT_TRUE(info);
  EXPECT_LE(info->example.size(), c.max_example_bytes);
  EXPECT_NE(m.Add(std::string(1 << 20, 'y'), 2).id, kNoTemplate);  // one 1 MB token
  EXPECT_NE(m.Add("caf\xc3 \xff\xfe na\xefve \xed\xa0\x80 surrogate", 3).id, kNoTemplate);
  EXPECT_NE(m.Add("", 4).id, kNoTemplate);
  EXPECT_NE(m.Add("   \t  ", 5).id, kNoTemplate);
  EXPECT_LE(m.stats().templates, c.max_templates);
  EXPECT_TRUE(TemplateMiner::Load(m.Save()).ok());
}

}  // namespace
}  // namespace hostmind
