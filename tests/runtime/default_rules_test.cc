// The default ruleset on the real sensor: each rule is triggered for real on this machine and
// must come out of the security analyzer as a finding. Also checks that real exec, open and
// connect events reach the rule engine end to end.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "detect/rules/default_rules.h"
#include "detect/security_analyzer.h"
#include "runtime/sensor_fixture.h"
#include "test_util.h"

namespace hostmind {
namespace {

class DefaultRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sensor_ = testing::StartSensorOrSkip(SensorOptions{});
    if (!sensor_) return;
    rules::RuleSet set;
    ASSERT_TRUE(set.AddYaml(rules::kDefaultRulesYaml, rules::kDefaultRulesOrigin).ok());
    auto engine = rules::RuleEngine::Build(set);
    ASSERT_TRUE(engine->first_error().ok());
    analyzer_ = std::make_unique<SecurityAnalyzer>(std::move(engine), SecurityOptions{});
  }

  // Feeds sensor events to the analyzer until a finding of `rule` satisfies `check`, or 5 s.
  const Finding* WaitForRule(const std::string& rule, const std::function<bool(const Finding&)>& check = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      Batch batch;
      batch.ts = SystemClock().Now();
      sensor_->Drain(batch.events);
      Analysis analysis;
      analyzer_->Analyze(batch, analysis);
      for (auto& f : analysis.findings) findings_.push_back(std::move(f));
      for (const auto& f : findings_)
        if (f.kind == FindingKind::kRuleMatch && f.subject == rule && (!check || check(f))) return &f;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return nullptr;
  }

  std::unique_ptr<BpfSensor> sensor_;
  std::unique_ptr<SecurityAnalyzer> analyzer_;
  std::vector<Finding> findings_;
};

bool Mentions(const Finding& f, const std::string& text) { return f.summary.find(text) != std::string::npos; }

TEST_F(DefaultRulesTest, ShellSpawnedByAService) {
  if (!sensor_) return;
  testing::TempDir dir;
  std::string nginx = dir.path() + "/nginx";
  std::filesystem::create_symlink("/bin/bash", nginx);
  // The trailing `true` keeps bash from exec'ing sh in place: sh becomes nginx's child.
  ASSERT_EQ(0, testing::RunCommand(nginx + " -c '/bin/sh -c \"echo pwned\" >/dev/null; true'"));
  const Finding* f = WaitForRule("Shell spawned by a service", [](const Finding& f) { return Mentions(f, "echo pwned"); });
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "Shell spawned by service nginx")) << f->summary;
  EXPECT_EQ(f->severity, Severity::kWarning);
}

TEST_F(DefaultRulesTest, WriteBelowEtc) {
  if (!sensor_) return;
  std::string path = "/etc/hostmind-runtime-test-" + std::to_string(getpid());
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  unlink(path.c_str());
  const Finding* f = WaitForRule("Write below etc or binary directories", [&](const Finding& f) { return Mentions(f, path); });
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "flags=O_WRONLY|O_CREAT|O_TRUNC")) << f->summary;
  EXPECT_EQ(f->severity, Severity::kCritical);
}

TEST_F(DefaultRulesTest, ReadOfEtcShadow) {
  if (!sensor_) return;
  ASSERT_EQ(0, testing::RunCommand("cat /etc/shadow > /dev/null"));
  const Finding* f = WaitForRule("Read of /etc/shadow", [](const Finding& f) { return Mentions(f, "process=cat"); });
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "file=/etc/shadow")) << f->summary;
}

TEST_F(DefaultRulesTest, UnexpectedOutboundConnection) {
  if (!sensor_) return;
  std::string addr;
  testing::RunCommand("hostname -I | awk '{print $1}'", &addr);
  while (!addr.empty() && (addr.back() == '\n' || addr.back() == ' ')) addr.pop_back();
  if (addr.empty()) GTEST_SKIP() << "no non-loopback address to connect to";
  // A shell opening a TCP connection (bash /dev/tcp), as reverse shells do; the port is closed.
  testing::RunCommand("timeout 2 bash -c 'exec 3<>/dev/tcp/" + addr + "/9' 2>/dev/null");
  const Finding* f = WaitForRule("Unexpected outbound connection", [&](const Finding& f) { return Mentions(f, addr + ":9"); });
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "process=bash")) << f->summary;
}

TEST_F(DefaultRulesTest, KernelModuleLoad) {
  if (!sensor_) return;
  int fd = open("/etc/hostname", O_RDONLY);
  syscall(SYS_finit_module, fd, "", 0);  // refused (not a module, or no module support): the request counts
  close(fd);
  const Finding* f = WaitForRule("Kernel module load");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "call=finit_module module=hostname")) << f->summary;
}

TEST_F(DefaultRulesTest, PtraceAttach) {
  if (!sensor_) return;
  pid_t target = fork();
  if (target == 0) {
    pause();
    _exit(0);
  }
  ASSERT_EQ(0, ptrace(PTRACE_ATTACH, target, nullptr, nullptr));
  waitpid(target, nullptr, 0);
  ptrace(PTRACE_DETACH, target, nullptr, nullptr);
  kill(target, SIGKILL);
  waitpid(target, nullptr, 0);
  const Finding* f = WaitForRule("Ptrace attach");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "Ptrace PTRACE_ATTACH")) << f->summary;
}

TEST_F(DefaultRulesTest, PrivilegeEscalationThroughSetuidProgram) {
  if (!sensor_) return;
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) is missing";
  testing::TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::string suid = dir.path() + "/hm-suid-id";
  std::filesystem::copy_file("/usr/bin/id", suid);
  ASSERT_EQ(0, chown(suid.c_str(), 0, 0));
  ASSERT_EQ(0, chmod(suid.c_str(), 04755));
  std::string out;
  ASSERT_EQ(0, testing::RunCommand("setpriv --reuid=65534 --regid=65534 --clear-groups " + suid + " -u", &out));
  if (out != "0\n") GTEST_SKIP() << "set-user-ID programs do not run here (nosuid mount?): id -u printed " << out;
  const Finding* f = WaitForRule("Privilege escalation through a set-user-ID program",
                                 [&](const Finding& f) { return Mentions(f, suid); });
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(Mentions(*f, "real_uid=65534")) << f->summary;
  EXPECT_EQ(f->severity, Severity::kCritical);
}

}  // namespace
}  // namespace hostmind
