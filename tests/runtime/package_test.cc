// The .deb: built with CPack from this build, checked by lintian and systemd-analyze, installed
// with dpkg, run, and purged. Installing changes the machine, so this runs only as root (CI's
// machine is disposable) and never over a hostmind that was installed by someone else.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "core/version.h"
#include "test_util.h"

namespace hostmind {
namespace {

// Runs `cmd`; `out` holds its output alone.
int Shell(const std::string& cmd, std::string& out) {
  out.clear();
  return testing::RunCommand(cmd, &out);
}

std::string BuildDir() {
  std::string binary = HOSTMIND_BINARY;  // <build>/src/cli/hostmind
  return binary.substr(0, binary.rfind("/src/cli/"));
}

TEST(Package, BuildsPassesLintianInstallsRunsAndPurges) {
  if (geteuid() != 0) GTEST_SKIP() << "installing a .deb needs root; this test runs on CI's disposable machine as root";
  for (const char* tool : {"/usr/bin/cpack", "/usr/bin/dpkg", "/usr/bin/lintian", "/usr/bin/systemd-analyze"})
    if (access(tool, X_OK) != 0) GTEST_SKIP() << "no " << tool << " (scripts/install-deps.sh test)";
  std::string state;
  if (Shell("dpkg-query -W -f='${Status}' hostmind 2>/dev/null", state) == 0 && state.find("installed") != std::string::npos)
    GTEST_SKIP() << "a hostmind package is installed on this machine; the test would replace and purge it";
  if (std::filesystem::exists("/usr/bin/hostmind")) GTEST_SKIP() << "/usr/bin/hostmind exists and is not ours to overwrite";

  testing::TempDir dir;
  std::string out;
  ASSERT_EQ(Shell("cpack -G DEB -B " + dir.path() + " --config " + BuildDir() + "/CPackConfig.cmake 2>&1", out), 0) << out;
  std::string deb;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().extension() == ".deb") deb = e.path().string();
  ASSERT_FALSE(deb.empty()) << out;

  // lintian: no errors (warnings are reported in the output, not failed on).
  int lint = Shell("lintian --fail-on error " + deb + " 2>&1", out);
  EXPECT_EQ(lint, 0) << out;
  std::string listing;
  ASSERT_EQ(Shell("dpkg-deb -c " + deb, listing), 0);
  for (const char* path : {"./usr/bin/hostmind", "./etc/hostmind/hostmind.yaml", "./lib/systemd/system/hostmind.service",
                           "./usr/share/man/man1/hostmind.1.gz", "./usr/share/doc/hostmind/copyright"})
    EXPECT_NE(listing.find(path), std::string::npos) << path << " missing from\n" << listing;

  // Serialise with any other package test on this machine: dpkg allows one writer.
  ASSERT_EQ(Shell("flock /tmp/hostmind-package-test.lock dpkg -i " + deb + " 2>&1", out), 0) << out;
  EXPECT_EQ(Shell("/usr/bin/hostmind version 2>&1", out), 0) << out;
  EXPECT_NE(out.find(kVersion), std::string::npos) << out;
  EXPECT_EQ(Shell("/usr/bin/hostmind config check /etc/hostmind/hostmind.yaml 2>&1", out), 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  EXPECT_NE(testing::ReadWholeFile("/etc/hostmind/hostmind.yaml").find("state_dir: /var/lib/hostmind"), std::string::npos);
  EXPECT_EQ(Shell("systemd-analyze verify /lib/systemd/system/hostmind.service 2>&1", out), 0) << out;
  EXPECT_EQ(Shell("man -l --warnings /usr/share/man/man1/hostmind.1.gz 2>&1 >/dev/null", out), 0) << out;
  EXPECT_TRUE(out.empty()) << out;

  ASSERT_EQ(Shell("flock /tmp/hostmind-package-test.lock dpkg --purge hostmind 2>&1", out), 0) << out;
  EXPECT_FALSE(std::filesystem::exists("/usr/bin/hostmind"));
  EXPECT_FALSE(std::filesystem::exists("/etc/hostmind"));
  EXPECT_FALSE(std::filesystem::exists("/lib/systemd/system/hostmind.service"));
}

}  // namespace
}  // namespace hostmind
