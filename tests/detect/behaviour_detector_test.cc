#include "detect/behaviour_detector.h"

#include <gtest/gtest.h>

#include "detect/security_analyzer.h"

namespace hostmind {
namespace {

Event ExecEv(TimeMs ts, int32_t pid, int32_t ppid, const std::string& exe) {
  ProcessExec e;
  e.pid = pid;
  e.ppid = ppid;
  e.exe = exe;
  e.comm = exe.substr(exe.rfind('/') + 1);
  e.cgroup = "/system.slice/web.service";
  return Event{ts, e};
}

Event ProfileEv(TimeMs ts, int32_t pid, std::vector<std::pair<int32_t, uint32_t>> counts) {
  SyscallProfile p;
  p.pid = pid;
  p.counts = std::move(counts);
  return Event{ts, p};
}

class BehaviourDetectorTest : public ::testing::Test {
 protected:
  std::vector<Finding> Feed(const Event& ev) {
    table_.Apply(ev);
    std::vector<Finding> out;
    detector_.Observe(ev, table_, out);
    return out;
  }
  BehaviourOptions Options() {
    BehaviourOptions o;
    o.learning_ms = 10 * kMsPerMinute;
    return o;
  }
  ProcessTable table_;
  BehaviourDetector detector_{Options()};
};

TEST_F(BehaviourDetectorTest, FirstNewChildAfterLearningExplainsItself) {
  Feed(ExecEv(0, 100, 1, "/usr/sbin/nginx"));
  // Learning: nginx runs gzip, and its workers' syscall mixes look alike.
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(Feed(ExecEv(1000 + i, 200 + i, 100, "/usr/bin/gzip")).empty());
    EXPECT_TRUE(Feed(ProfileEv(1000 + i, 100, {{0, 100u + i}, {1, 80}, {3, 20}})).empty());
  }
  TimeMs later = 11 * kMsPerMinute;
  EXPECT_TRUE(Feed(ExecEv(later, 300, 100, "/usr/bin/gzip")).empty()) << "known child";
  // A syscall mix unlike the learned ones.
  auto odd = Feed(ProfileEv(later, 100, {{59, 30}, {42, 50}, {33, 40}}));
  ASSERT_EQ(odd.size(), 2u) << "exe and cgroup profiles both notice";
  EXPECT_NE(odd[0].summary.find("nginx (pid 100) made system calls unlike its learned profile: syscall profile distance 1.00, normal p99 0.0"),
            std::string::npos) << odd[0].summary;
  auto shell = Feed(ExecEv(later + 1, 301, 100, "/bin/sh"));
  ASSERT_EQ(shell.size(), 2u);
  EXPECT_EQ(shell[0].summary.rfind("nginx ran /bin/sh for the first time; syscall profile distance 1.00, normal p99 0.", 0), 0u)
      << shell[0].summary;
  EXPECT_EQ(shell[0].kind, FindingKind::kBehaviour);
  EXPECT_EQ(shell[1].subject, "cgroup:/system.slice/web.service");
  EXPECT_TRUE(Feed(ExecEv(later + 2, 302, 100, "/bin/sh")).empty()) << "reported once, then learned";
}

TEST_F(BehaviourDetectorTest, NewEndpointsAndPathsAndBudget) {
  Feed(ExecEv(0, 10, 1, "/usr/bin/app"));
  NetConnection c;
  c.pid = 10;
  c.remote_addr = "10.0.0.1";
  c.remote_port = 5432;
  Feed(Event{1, c});
  FileOpen o;
  o.pid = 10;
  o.path = "/var/lib/app/data/x.db";
  o.flags = 2;
  Feed(Event{2, o});
  TimeMs later = 11 * kMsPerMinute;
  EXPECT_TRUE(Feed(Event{later, c}).empty());
  c.remote_addr = "203.0.113.9";
  c.remote_port = 4444;
  auto f = Feed(Event{later, c});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].summary, "app connected to 203.0.113.9:4444 for the first time");
  o.path = "/var/lib/app/data/y.db";
  EXPECT_TRUE(Feed(Event{later, o}).empty()) << "same prefix /var/lib/app";
  o.path = "/root/.ssh/authorized_keys";
  f = Feed(Event{later, o});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].summary, "app wrote under /root/.ssh for the first time");
}

TEST(SecurityAnalyzerTest, KillActionOnlyWhenAllowed) {
  rules::RuleSet set;
  ASSERT_TRUE(set.AddYaml("- rule: Kill me\n  condition: evt.type=execve and proc.name=evil\n  output: evil ran\n"
                          "  priority: CRITICAL\n  action: kill\n", "k.yaml").ok());
  for (bool allow : {false, true}) {
    SecurityOptions opts;
    opts.allow_actions = allow;
    SecurityAnalyzer a(rules::RuleEngine::Build(set), opts);
    std::vector<int32_t> killed;
    a.SetKiller([&](int32_t pid) {
      killed.push_back(pid);
      return Status::Ok();
    });
    Batch b;
    b.events.push_back(ExecEv(1, 66, 1, "/tmp/evil"));
    Analysis out;
    a.Analyze(b, out);
    ASSERT_EQ(out.findings.size(), 1u);
    EXPECT_EQ(out.findings[0].summary, "evil ran");
    std::string action;
    for (auto& [k, v] : out.findings[0].facts)
      if (k == "action") action = v;
    EXPECT_EQ(action, allow ? "killed pid 66" : "kill not taken: security.rules.allow_actions is false");
    EXPECT_EQ(killed.size(), allow ? 1u : 0u);
  }
}

}  // namespace
}  // namespace hostmind
