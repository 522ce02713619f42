#include "detect/log_analyzer.h"

#include <gtest/gtest.h>

#include <random>

#include "detect/log_signals.h"

namespace hostmind {
namespace {

constexpr TimeMs kStart = 1'700'000'000'000;

Batch LogBatch(TimeMs ts, std::vector<std::pair<std::string, std::string>> lines, int priority = 6) {
  Batch b;
  b.source = "journal";
  b.ts = ts;
  for (auto& [origin, message] : lines) {
    LogRecord log;
    log.source = LogSource::kJournal;
    log.origin = origin;
    log.priority = priority;
    log.pid = 100;
    log.message = message;
    b.events.push_back(Event{ts, std::move(log)});
  }
  return b;
}

std::string Fact(const Finding& f, const std::string& name) {
  for (const auto& [k, v] : f.facts)
    if (k == name) return v;
  return "";
}

// 20 minutes of an ordinary host: cron, sshd, a service, 4 lines a second.
TimeMs WarmUp(LogAnalyzer& a, Analysis& out) {
  TimeMs t = kStart;
  for (int i = 0; i < 1200; ++i, t += kMsPerSecond) {
    a.Analyze(LogBatch(t, {{"cron.service", "pam_unix(cron:session): session opened for user root by (uid=0)"},
                           {"sshd.service", "Accepted publickey for deploy from 10.0.0." + std::to_string(i % 200) +
                                                " port " + std::to_string(40000 + i) + " ssh2"},
                           {"app.service", "request " + std::to_string(i) + " served in " + std::to_string(i % 97) + " ms"},
                           {"cron.service", "pam_unix(cron:session): session closed for user root"}}),
              out);
  }
  return t;
}

TEST(LogAnalyzerTest, ReportsANewTemplateAfterWarmUpWithItsExplanation) {
  LogAnalyzer a;
  Analysis out;
  TimeMs t = WarmUp(a, out);
  EXPECT_TRUE(out.findings.empty()) << out.findings.front().summary;
  Analysis later;
  a.Analyze(LogBatch(t, {{"kernel", "EXT4-fs warning (device sda1): ext4_dx_add_entry: directory index full"}}, 4), later);
  ASSERT_EQ(later.findings.size(), 1u);
  const Finding& f = later.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLogAnomaly);
  EXPECT_EQ(f.severity, Severity::kWarning);
  EXPECT_EQ(Fact(f, "anomaly"), "new_template");
  EXPECT_EQ(Fact(f, "origin"), "kernel");
  EXPECT_NE(Fact(f, "template").find("directory index full"), std::string::npos);
  EXPECT_GT(f.score, 3.0);  // one line in 4800
  ASSERT_FALSE(f.evidence.empty());
  EXPECT_NE(f.evidence[0].detail.find("example"), std::string::npos);
  EXPECT_EQ(a.RecentAnomalies(10).size(), 1u);
  // Busy templates are exported, with bounded cardinality.
  size_t series = 0;
  for (const Sample& s : out.samples) series += s.key.name() == "hostmind_log_template_lines_total";
  EXPECT_GT(series, 0u);
  auto templates = a.Templates(100);
  ASSERT_GE(templates.size(), 4u);
  EXPECT_EQ(templates[0].count, 1200u);
  EXPECT_FALSE(templates[0].example.empty());
}

TEST(LogAnalyzerTest, WarnsWhenAPrecursorRecurs) {
  LogAnalyzer a;
  Analysis out;
  TimeMs t = WarmUp(a, out);
  // Twice: a SMART warning, and 5 minutes later an I/O error.
  for (int cycle = 0; cycle < 2; ++cycle) {
    a.Analyze(LogBatch(t, {{"smartd.service", "Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors"}}), out);
    t += 5 * kMsPerMinute;
    a.Analyze(LogBatch(t, {{"kernel", "blk_update_request: I/O error, dev sda, sector 123456 op 0x0:(READ)"}}, 3), out);
    t += 2 * kMsPerHour;
  }
  Analysis later;
  a.Analyze(LogBatch(t, {{"smartd.service", "Device: /dev/sda [SAT], 16 Currently unreadable (pending) sectors"}}), later);
  const Finding* warning = nullptr;
  for (const Finding& f : later.findings)
    if (f.kind == FindingKind::kPrecursor) warning = &f;
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(Fact(*warning, "failure"), "io_error");
  EXPECT_EQ(Fact(*warning, "lead_time_ms"), std::to_string(5 * kMsPerMinute));
  EXPECT_NE(warning->summary.find("Early warning"), std::string::npos);
}

TEST(LogAnalyzerTest, StateSurvivesARestart) {
  LogAnalyzer a;
  Analysis out;
  TimeMs t = WarmUp(a, out);
  LogAnalyzer b;
  ASSERT_TRUE(b.LoadState(a.SaveState()).ok());
  Analysis after;
  b.Analyze(LogBatch(t, {{"cron.service", "pam_unix(cron:session): session closed for user root"}}), after);
  EXPECT_TRUE(after.findings.empty());
  EXPECT_EQ(b.lines(), a.lines() + 1);
  b.Analyze(LogBatch(t + 20 * kMsPerSecond, {}), after);
  auto templates = b.Templates(10);
  ASSERT_FALSE(templates.empty());
  EXPECT_FALSE(templates[0].origin.empty());  // remembered across the restart
  EXPECT_FALSE(b.LoadState("garbage").ok());
}

TEST(LogAnalyzerTest, SurvivesGarbage) {
  LogAnalyzerConfig c;
  c.warmup_lines = 10;
  c.warmup = 0;
  LogAnalyzer a(c);
  std::mt19937 rng(9);
  Analysis out;
  for (int i = 0; i < 300; ++i) {
    std::string line(rng() % 2000, '\0');
    for (char& ch : line) ch = static_cast<char>(rng());
    a.Analyze(LogBatch(kStart + i * 1000, {{"x", line}}), out);
  }
  a.Analyze(LogBatch(kStart + 400000, {{"y", std::string(1 << 20, 'z')}}), out);
  EXPECT_EQ(a.lines(), 301u);
  EXPECT_LE(out.findings.size(), 400u);
}

TEST(LogSessionsTest, AnIncompleteSessionIsAbnormal) {
  LogSessionsConfig c;
  c.min_profile_sessions = 5;
  LogSessions s(c);
  std::vector<SequenceAnomaly> found;
  TimeMs t = kStart;
  for (int i = 0; i < 10; ++i) {
    std::string key = "id blk_" + std::to_string(i);
    for (TemplateId id : {1u, 2u, 2u, 3u}) s.Observe(key, "blk", id, t += 1000, true, found);
  }
  s.CloseIdle(t + c.idle, true, found);
  EXPECT_TRUE(found.empty());
  s.Observe("id blk_99", "blk", 1, t += 1000, true, found);
  s.Observe("id blk_99", "blk", 2, t += 1000, true, found);
  s.CloseIdle(t + c.idle, true, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].session, "id blk_99");
  ASSERT_FALSE(found[0].violations.empty());
  auto restored = LogSessions(c);
  EXPECT_TRUE(restored.Load(s.Save()).ok());
}

TEST(LogSignalsTest, FailureKinds) {
  LogRecord k;
  k.source = LogSource::kKernel;
  k.message = "Out of memory: Killed process 4242 (java) total-vm:123kB";
  EXPECT_EQ(FailureKindOf(k), "oom_kill");
  k.message = "Buffer I/O error on dev sdb1, logical block 0";
  EXPECT_EQ(FailureKindOf(k), "io_error");
  k.message = "app[77]: segfault at 0 ip 000055d0 sp 00007ffd error 4 in app";
  EXPECT_EQ(FailureKindOf(k), "segfault");
  k.message = "usb 1-1: new high-speed USB device";
  EXPECT_FALSE(FailureKindOf(k));
  LogRecord j;
  j.source = LogSource::kJournal;
  j.message = "nginx.service: Failed with result 'exit-code'.";
  EXPECT_EQ(FailureKindOf(j), "unit_failed");
}

TEST(LogSignalsTest, HeadersAndSessionIds) {
  EXPECT_EQ(StripSyslogHeader("Nov 25 00:12:01 web1 sshd[42]: Accepted key"), "Accepted key");
  EXPECT_EQ(StripSyslogHeader("Nov  5 00:12:01 web1 cron: started"), "started");
  EXPECT_EQ(StripSyslogHeader("2026-11-25T00:12:01.5+00:00 web1 app[1]: ok now"), "ok now");
  EXPECT_EQ(StripSyslogHeader("no header here"), "no header here");
  std::vector<std::string_view> params{"10.0.0.1", "blk_-1608999687919862906", "job_1"};
  EXPECT_EQ(SessionIdOf(params), "blk_-1608999687919862906");
  EXPECT_EQ(SessionIdOf({"[attempt_1445_0020_m_000000_0]"}), "attempt_1445_0020_m_000000_0");
  EXPECT_EQ(SessionIdOf({"123e4567-e89b-12d3-a456-426614174000"}), "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_FALSE(SessionIdOf({"42", "/var/log", "user_name"}));
}

}  // namespace
}  // namespace hostmind
