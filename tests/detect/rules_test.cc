#include <gtest/gtest.h>

#include "detect/rules/condition.h"
#include "detect/rules/rule_engine.h"

namespace hostmind::rules {
namespace {

Event Exec(int32_t pid, int32_t ppid, const std::string& comm, const std::string& exe,
           std::vector<std::string> argv, uint32_t uid = 0) {
  ProcessExec e;
  e.pid = pid;
  e.ppid = ppid;
  e.comm = comm;
  e.exe = exe;
  e.argv = std::move(argv);
  e.uid = uid;
  e.euid = uid;
  return Event{1000, e};
}

Event Open(int32_t pid, const std::string& comm, const std::string& path, int flags, int result = 3) {
  FileOpen o;
  o.pid = pid;
  o.comm = comm;
  o.path = path;
  o.flags = flags;
  o.result = result;
  return Event{2000, o};
}

std::unique_ptr<RuleEngine> Engine(const std::string& yaml) {
  RuleSet set;
  Status s = set.AddYaml(yaml, "test.yaml");
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto engine = RuleEngine::Build(set);
  EXPECT_TRUE(engine->first_error().ok()) << engine->first_error().ToString();
  return engine;
}

std::vector<std::string> Fire(const RuleEngine& engine, ProcessTable& table, const Event& ev) {
  table.Apply(ev);
  std::vector<RuleMatch> matches;
  engine.Evaluate(ev, table, matches);
  std::vector<std::string> names;
  for (const auto& m : matches) names.push_back(m.name);
  return names;
}

TEST(ConditionTest, ParsesPrecedenceListsAndQuotes) {
  auto e = ParseCondition("a.b = x and not c.d in (p, \"q r\", 's') or m");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ((*e)->kind, Expr::Kind::kOr);
  const Expr& conj = *(*e)->children[0];
  ASSERT_EQ(conj.kind, Expr::Kind::kAnd);
  EXPECT_EQ(conj.children[0]->values, std::vector<std::string>{"x"});
  const Expr& neg = *conj.children[1];
  ASSERT_EQ(neg.kind, Expr::Kind::kNot);
  EXPECT_EQ(neg.children[0]->values, (std::vector<std::string>{"p", "q r", "s"}));
  EXPECT_EQ((*e)->children[1]->kind, Expr::Kind::kMacro);
  auto idx = ParseCondition("proc.aname[2]=sshd and fd.num>=0 and proc.name exists");
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ((*idx)->children[0]->field_arg, "2");
  EXPECT_EQ((*idx)->children[1]->op, ">=");
  EXPECT_EQ((*idx)->children[2]->op, "exists");
}

TEST(ConditionTest, ReportsWhereParsingFailed) {
  auto e = ParseCondition("proc.name = bash and (fd.name in (a, b)");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expected ')'"), std::string::npos) << e.status().message();
  auto v = ParseCondition("proc.name =");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("at 11: expected a value after '='"), std::string::npos) << v.status().message();
}

TEST(RuleEngineTest, ShellSpawnedByServiceUsesParentAndLists) {
  auto engine = Engine(R"(
- list: shell_binaries
  items: [bash, sh, dash]
- list: http_server_binaries
  items: [nginx, '"httpd-foregroun"']
- macro: spawned_process
  condition: evt.type in (execve, execveat) and evt.dir=<
- rule: Shell spawned by web server
  desc: a web server ran a shell
  condition: spawned_process and proc.name in (shell_binaries) and proc.pname in (http_server_binaries)
  output: "shell %proc.name (%proc.cmdline) under %proc.pname, grandparent %proc.aname[2] user=%user.name"
  priority: WARNING
  tags: [process, T1059]
)");
  ProcessTable table;
  EXPECT_TRUE(Fire(*engine, table, Exec(10, 1, "systemd", "/lib/systemd/systemd", {"/sbin/init"})).empty());
  EXPECT_TRUE(Fire(*engine, table, Exec(100, 10, "nginx", "/usr/sbin/nginx", {"nginx"})).empty());
  std::vector<RuleMatch> matches;
  Event shell = Exec(101, 100, "sh", "/bin/sh", {"sh", "-c", "id"});
  table.Apply(shell);
  engine->SetUserNames([](uint32_t uid) { return uid == 0 ? std::string("root") : std::to_string(uid); });
  engine->Evaluate(shell, table, matches);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].output, "shell sh (sh -c id) under nginx, grandparent systemd user=root");
  EXPECT_EQ(matches[0].severity, Severity::kWarning);
  bool has_pname = false;
  for (auto& [f, v] : matches[0].fields) has_pname |= f == "proc.pname" && v == "nginx";
  EXPECT_TRUE(has_pname);
  // The same shell under sshd does not match; nor does a quoted list item's quotes leak.
  EXPECT_TRUE(Fire(*engine, table, Exec(200, 1, "sshd", "/usr/sbin/sshd", {"sshd"})).empty());
  EXPECT_TRUE(Fire(*engine, table, Exec(201, 200, "bash", "/bin/bash", {"bash"})).empty());
  EXPECT_TRUE(Fire(*engine, table, Exec(300, 1, "httpd-foregroun", "/usr/sbin/httpd", {"httpd"})).empty());
  EXPECT_EQ(Fire(*engine, table, Exec(301, 300, "bash", "/bin/bash", {"bash"})),
            std::vector<std::string>{"Shell spawned by web server"});
}

TEST(RuleEngineTest, FileOperatorsAndEventTypeIndexing) {
  auto engine = Engine(R"(
- macro: open_write
  condition: evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0
- rule: Write below etc
  condition: open_write and fd.name startswith /etc/ and not fd.name pmatch (/etc/ok)
  output: "%fd.name by %proc.name flags=%evt.arg.flags"
  priority: ERROR
- rule: Read shadow
  condition: evt.type=openat and evt.is_open_read=true and fd.name=/etc/shadow
  output: x
  priority: WARNING
- rule: Glob and contains
  condition: fd.name glob "/usr/*/secret*" or fd.filename icontains PASSWD
  output: y
  priority: NOTICE
- rule: Any event with a name
  condition: proc.name exists and fd.name exists
  output: z
  priority: INFO
)");
  ProcessTable table;
  EXPECT_EQ(Fire(*engine, table, Open(5, "vi", "/etc/hosts", 01 | 0100)),
            (std::vector<std::string>{"Write below etc", "Any event with a name"}));
  EXPECT_EQ(Fire(*engine, table, Open(5, "vi", "/etc/ok/file", 01)), std::vector<std::string>{"Any event with a name"});
  EXPECT_EQ(Fire(*engine, table, Open(5, "cat", "/etc/shadow", 0)),
            (std::vector<std::string>{"Read shadow", "Any event with a name"}));
  EXPECT_EQ(Fire(*engine, table, Open(5, "cat", "/etc/shadow", 0, -13)),
            (std::vector<std::string>{"Read shadow", "Any event with a name"}))
      << "a failed open is still an open";
  EXPECT_EQ(Fire(*engine, table, Open(5, "cat", "/usr/lib/secret.key", 0)),
            (std::vector<std::string>{"Glob and contains", "Any event with a name"}));
  EXPECT_EQ(Fire(*engine, table, Open(5, "cat", "/tmp/my.passwd", 0)),
            (std::vector<std::string>{"Glob and contains", "Any event with a name"}));
  // Exec events have no fd.*: none of these rules can fire on them.
  EXPECT_TRUE(Fire(*engine, table, Exec(6, 1, "cat", "/bin/cat", {"cat", "/etc/shadow"})).empty());
  std::vector<RuleMatch> m;
  engine->Evaluate(Open(5, "tee", "/etc/x", 01 | 01000 | 02000000), table, m);
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m[0].output, "/etc/x by tee flags=O_WRONLY|O_TRUNC|O_CLOEXEC");
}

TEST(RuleEngineTest, NetworkFieldsFollowFalcosClientServerView) {
  auto engine = Engine(R"(
- rule: Outbound to 443
  condition: evt.type=connect and fd.sport=443 and fd.sip="10.1.2.3" and fd.l4proto=tcp
  output: "%fd.name"
  priority: NOTICE
- rule: Inbound ssh
  condition: evt.type=accept and fd.sport in (22, 2222) and fd.cip != "127.0.0.1"
  output: "%fd.name"
  priority: NOTICE
)");
  ProcessTable table;
  NetConnection c;
  c.pid = 7;
  c.comm = "curl";
  c.local_addr = "10.0.0.5";
  c.local_port = 40000;
  c.remote_addr = "10.1.2.3";
  c.remote_port = 443;
  std::vector<RuleMatch> m;
  engine->Evaluate(Event{1, c}, table, m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].output, "10.0.0.5:40000->10.1.2.3:443");
  c.direction = NetConnection::Direction::kInbound;
  c.local_port = 22;
  c.remote_port = 51000;
  m.clear();
  engine->Evaluate(Event{1, c}, table, m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].name, "Inbound ssh");
  EXPECT_EQ(m[0].output, "10.1.2.3:51000->10.0.0.5:22");
}

TEST(RuleEngineTest, AppendOverrideAndExceptions) {
  RuleSet set;
  ASSERT_TRUE(set.AddYaml(R"(
- list: allowed
  items: [cron]
- rule: Shell
  condition: evt.type=execve and proc.name=bash
  output: o
  priority: WARNING
  exceptions:
    - name: by_parent
      fields: [proc.pname, proc.args]
      comps: [=, startswith]
      values:
        - [make, -c]
- rule: Other
  condition: evt.type=execve and proc.name=ls
  output: o
  priority: INFO
)", "base.yaml").ok());
  ASSERT_TRUE(set.AddYaml(R"(
- list: allowed
  items: [anacron]
  append: true
- rule: Shell
  condition: and not proc.pname in (allowed)
  override:
    condition: append
- rule: Shell
  exceptions:
    - name: by_name
      fields: proc.pname
      values: [ansible]
  override:
    exceptions: append
- rule: Other
  enabled: false
)", "local.yaml").ok());
  auto engine = RuleEngine::Build(set);
  ASSERT_TRUE(engine->first_error().ok()) << engine->first_error().ToString();
  ASSERT_EQ(engine->report().size(), 2u);
  EXPECT_EQ(engine->report()[1].state, RuleState::kDisabled);
  ProcessTable table;
  for (auto [pid, name] : std::vector<std::pair<int, std::string>>{{10, "cron"}, {11, "anacron"}, {12, "make"}, {13, "ansible"}, {14, "init"}})
    table.Apply(Exec(pid, 1, name, "/bin/" + name, {name}));
  EXPECT_TRUE(Fire(*engine, table, Exec(20, 10, "bash", "/bin/bash", {"bash"})).empty());
  EXPECT_TRUE(Fire(*engine, table, Exec(21, 11, "bash", "/bin/bash", {"bash"})).empty());
  EXPECT_TRUE(Fire(*engine, table, Exec(22, 12, "bash", "/bin/bash", {"bash", "-c", "true"})).empty());
  EXPECT_EQ(Fire(*engine, table, Exec(23, 12, "bash", "/bin/bash", {"bash", "x.sh"})).size(), 1u);
  EXPECT_TRUE(Fire(*engine, table, Exec(24, 13, "bash", "/bin/bash", {"bash"})).empty());
  EXPECT_EQ(Fire(*engine, table, Exec(25, 14, "bash", "/bin/bash", {"bash"})).size(), 1u);
  EXPECT_TRUE(Fire(*engine, table, Exec(26, 14, "ls", "/bin/ls", {"ls"})).empty());
}

TEST(RuleEngineTest, UnsupportedFieldsAreSkippedByNameAndErrorsNamePositions) {
  RuleSet set;
  ASSERT_TRUE(set.AddYaml(R"(
- macro: k8s_pod
  condition: k8s.pod.name exists
- rule: Uses k8s
  condition: evt.type=execve and k8s_pod
  output: o
  priority: INFO
- rule: Uses regex
  condition: proc.name regex "a.*"
  output: o
  priority: INFO
- rule: Fine
  condition: evt.type=execve
  output: o
  priority: INFO
)", "f.yaml").ok());
  auto engine = RuleEngine::Build(set);
  ASSERT_EQ(engine->report().size(), 3u);
  EXPECT_EQ(engine->report()[0].state, RuleState::kSkipped);
  EXPECT_EQ(engine->report()[0].reason, "field 'k8s.pod.name' is not available (via macro 'k8s_pod')");
  EXPECT_EQ(engine->report()[1].reason, "operator 'regex' is not supported");
  EXPECT_EQ(engine->report()[2].state, RuleState::kLoaded);
  EXPECT_EQ(engine->loaded_count(), 1u);

  RuleSet bad;
  ASSERT_TRUE(bad.AddYaml("- rule: Broken\n  condition: proc.name in (a, b\n  output: o\n  priority: INFO\n", "bad.yaml").ok());
  auto b = RuleEngine::Build(bad);
  ASSERT_FALSE(b->first_error().ok());
  EXPECT_NE(b->first_error().message().find("bad.yaml:2:14: rule 'Broken': condition at "), std::string::npos)
      << b->first_error().message();
  RuleSet typed;
  ASSERT_TRUE(typed.AddYaml("- rule: T\n  condition: fd.sport = https\n  output: o\n  priority: INFO\n", "t.yaml").ok());
  EXPECT_NE(RuleEngine::Build(typed)->first_error().message().find("value 'https' is not a number for fd.sport"),
            std::string::npos);
  RuleSet undefined;
  ASSERT_TRUE(undefined.AddYaml("- rule: U\n  condition: evt.type=execve and nope\n  output: o\n  priority: INFO\n", "u.yaml").ok());
  EXPECT_NE(RuleEngine::Build(undefined)->first_error().message().find("undefined macro 'nope'"), std::string::npos);
}

TEST(RuleSetTest, StructuralErrorsNameFileItemAndLine) {
  RuleSet set;
  Status s = set.AddYaml("- rule: A\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n- rule: B\n  append: true\n  condition: and x\n", "s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "s.yaml:5:3: rule 'B': appends to or overrides a rule that is not defined");
  EXPECT_TRUE(set.rules().empty()) << "a bad file leaves nothing behind";
  EXPECT_FALSE(set.AddYaml("rule: x", "m.yaml").ok());
  EXPECT_NE(set.AddYaml("- rule: [", "y.yaml").message().find("y.yaml:1"), std::string::npos);
  EXPECT_NE(set.AddYaml("- bogus: 1", "z.yaml").message().find("unknown item"), std::string::npos);
}

TEST(ProcessTableTest, ForkInheritsAndContainerIdsComeFromCgroups) {
  ProcessTable table;
  ProcessExec e;
  e.pid = 5;
  e.ppid = 1;
  e.comm = "dockerd";
  e.exe = "/usr/bin/dockerd";
  e.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
  table.Apply(Event{1, e});
  ProcessFork f;
  f.pid = 6;
  f.ppid = 5;
  table.Apply(Event{2, f});
  const ProcessInfo* child = table.Find(6);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->name, "dockerd");
  EXPECT_EQ(child->ppid, 5);
  EXPECT_EQ(ContainerIdFromCgroup(child->cgroup), "0123456789ab");
  EXPECT_EQ(ContainerIdFromCgroup("/user.slice/session-1.scope"), "host");
  ProcessExit x;
  x.pid = 6;
  table.Apply(Event{3, x});
  table.Expire(3 + 10);
  EXPECT_NE(table.Find(6), nullptr) << "kept for late events";
  table.Expire(3 + 60000);
  EXPECT_EQ(table.Find(6), nullptr);
  table.SetResolver([](int32_t pid) -> std::optional<ProcessInfo> {
    if (pid != 77) return std::nullopt;
    ProcessInfo p;
    p.name = "old";
    return p;
  });
  ASSERT_NE(table.Find(77), nullptr);
  EXPECT_EQ(table.Find(77)->name, "old");
}

}  // namespace
}  // namespace hostmind::rules
