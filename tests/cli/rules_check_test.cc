// `hostmind rules check` on the default ruleset, on a Falco-style file modelled on Falco's own
// falco_rules.yaml (generated here), and on broken files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace hostmind {
namespace {

// The constructs Falco's public ruleset uses: required_engine_version, lists with quoted items,
// folded conditions, placeholder macros (never_true via evt.num), exceptions, disabled rules,
// and fields we do not carry (proc.tty, container.image.repository, fd.snet, k8s.*).
const char* kFalcoStyleRules = R"yaml(
- required_engine_version: 17
- macro: open_write
  condition: (evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0)
- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)
- macro: never_true
  condition: (evt.num=0)
- macro: proc_name_exists
  condition: (proc.name!="<NA>")
- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)
- macro: container
  condition: (container.id != host)
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]
- list: login_binaries
  items: [login, systemd, '"(systemd)"', systemd-logind, su, nologin]
- list: sensitive_file_names
  items: [/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf]
- macro: sensitive_files
  condition: >
    fd.name startswith /etc and
    (fd.name in (sensitive_file_names)
     or fd.directory in (/etc/sudoers.d, /etc/pam.d))
- macro: user_known_read_sensitive_files_activities
  condition: (never_true)
- rule: Read sensitive file untrusted
  desc: >
    An attempt to read any sensitive file (e.g. files containing user/password/authentication
    information). Exceptions are made for known trusted programs.
  condition: >
    sensitive_files and open_read
    and proc_name_exists
    and not proc.name in (login_binaries, shell_binaries, "google_oslogin_")
    and not user_known_read_sensitive_files_activities
  output: Sensitive file opened for reading by non-trusted program (file=%fd.name gparent=%proc.aname[2] user=%user.name user_loginuid=%user.loginuid process=%proc.name command=%proc.cmdline %container.info)
  priority: WARNING
  tags: [maturity_stable, host, container, filesystem, mitre_credential_access, T1555]
- macro: calico_node
  condition: (container.image.repository endswith calico/node and proc.name=calico-node)
- rule: Write below etc
  desc: an attempt to write to any file below /etc
  condition: fd.name startswith /etc/ and open_write and not calico_node
  output: File below /etc opened for writing (file=%fd.name)
  priority: ERROR
  tags: [maturity_sandbox, host, container, filesystem, mitre_persistence, T1098]
- rule: Terminal shell in container
  desc: A shell was used as the entrypoint/exec point into a container with an attached terminal.
  condition: spawned_process and container and proc.name in (shell_binaries) and proc.tty != 0
  output: A shell was spawned in a container with an attached terminal (user=%user.name %container.info shell=%proc.name)
  priority: NOTICE
  tags: [maturity_stable, container, shell, mitre_execution, T1059]
- list: rfc_1918_addresses
  items: ['"10.0.0.0/8"', '"172.16.0.0/12"', '"192.168.0.0/16"']
- rule: Outbound to public address
  condition: evt.type = connect and evt.dir=< and not fd.snet in (rfc_1918_addresses)
  output: Outbound (connection=%fd.name)
  priority: NOTICE
  enabled: false
- rule: Linux Kernel Module Injection Detected
  desc: Detect kernel module was injected (from container).
  condition: evt.type in (init_module, finit_module) and evt.dir=< and container and thread.cap_effective icontains sys_module
  output: Linux Kernel Module injection from container (parent_exepath=%proc.pexepath)
  priority: WARNING
  tags: [maturity_stable, host, container, process, mitre_persistence, TA0003]
  exceptions:
    - name: proc_pnames
      fields: [proc.pname, proc.name]
      comps: [in, in]
      values:
        - [[kmod], [insmod]]
- rule: Contact K8S API Server From Container
  condition: evt.type=connect and container and k8s.ns.name exists
  output: k8s (ns=%k8s.ns.name)
  priority: NOTICE
- rule: Audit rule
  condition: ka.verb=create
  output: x
  priority: INFO
  source: k8s_audit
)yaml";

std::string Hostmind() { return HOSTMIND_BINARY; }

TEST(RulesCheckTest, DefaultRulesetLoadsEveryRule) {
  std::string out;
  int rc = testing::RunCommand(Hostmind() + " rules check --json " HOSTMIND_SOURCE_DIR "/rules/hostmind_rules.yaml", &out);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["loaded"], 7) << out;
  EXPECT_EQ(j["skipped"], 0) << out;
  EXPECT_EQ(j["invalid"], 0) << out;
}

TEST(RulesCheckTest, FalcoStyleFileLoadsAndNamesWhatItSkips) {
  testing::TempDir dir;
  std::string path = dir.Write("falco_rules.yaml", kFalcoStyleRules);
  std::string out;
  int rc = testing::RunCommand(Hostmind() + " rules check --json " + path, &out);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out);
  std::map<std::string, std::pair<std::string, std::string>> by_name;
  for (const auto& r : j["rules"]) by_name[r["rule"]] = {r["state"], r["reason"]};
  EXPECT_EQ(by_name["Read sensitive file untrusted"].first, "loaded");
  EXPECT_EQ(by_name["Write below etc"],
            std::make_pair(std::string("skipped"),
                           std::string("field 'container.image.repository' is not available (via macro 'calico_node')")));
  EXPECT_EQ(by_name["Terminal shell in container"].second, "field 'proc.tty' is not available");
  EXPECT_EQ(by_name["Outbound to public address"].second, "field 'fd.snet' is not available");
  EXPECT_EQ(by_name["Linux Kernel Module Injection Detected"].second, "field 'thread.cap_effective' is not available");
  EXPECT_EQ(by_name["Contact K8S API Server From Container"].second, "field 'k8s.ns.name' is not available");
  EXPECT_EQ(by_name["Audit rule"].second, "source 'k8s_audit' is not supported (only syscall)");
  EXPECT_EQ(j["loaded"], 1);
  EXPECT_EQ(j["skipped"], 6);
}

TEST(RulesCheckTest, BadFilesExitNonZeroWithFileRuleAndPosition) {
  testing::TempDir dir;
  std::string good = dir.Write("good.yaml", "- rule: Ok\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n");
  std::string bad = dir.Write("bad.yaml", "- rule: Broken\n  condition: proc.name = bash and (fd.name = x\n  output: o\n  priority: INFO\n");
  std::string out;
  int rc = testing::RunCommand(Hostmind() + " rules check " + good + " " + bad + " 2>&1", &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find(bad + ":2:14: rule 'Broken': condition at 33: expected ')'"), std::string::npos) << out;
  EXPECT_NE(out.find("loaded    Ok"), std::string::npos) << out;
  std::string not_rules = dir.Write("x.yaml", "just: a map\n");
  EXPECT_EQ(testing::RunCommand(Hostmind() + " rules check " + not_rules + " 2>&1", &out), 1);
  EXPECT_NE(out.find(not_rules + ":1:1: a rule file is a list of items"), std::string::npos) << out;
}

}  // namespace
}  // namespace hostmind
