#include "store/json_codec.h"

namespace hostmind {

namespace {

struct EventBodyToJson {
  nlohmann::json operator()(const ProcessExec& e) const {
    return {{"pid", e.pid},       {"ppid", e.ppid},     {"uid", e.uid},       {"euid", e.euid},
            {"comm", e.comm},     {"exe", e.exe},       {"argv", e.argv},     {"cwd", e.cwd},
            {"cgroup", e.cgroup}, {"cgroup_id", e.cgroup_id}, {"mnt_ns", e.mnt_ns}, {"pid_ns", e.pid_ns},
            {"net_ns", e.net_ns}};
  }
  nlohmann::json operator()(const ProcessFork& e) const {
    return {{"pid", e.pid}, {"ppid", e.ppid}, {"uid", e.uid}, {"comm", e.comm}};
  }
  nlohmann::json operator()(const FileOpen& e) const {
    return {{"pid", e.pid}, {"uid", e.uid}, {"comm", e.comm}, {"path", e.path}, {"flags", e.flags}, {"result", e.result}};
  }
  nlohmann::json operator()(const NetConnection& e) const {
    return {{"pid", e.pid},
            {"uid", e.uid},
            {"comm", e.comm},
            {"direction", e.direction == NetConnection::Direction::kOutbound ? "outbound" : "inbound"},
            {"local_addr", e.local_addr},
            {"local_port", e.local_port},
            {"remote_addr", e.remote_addr},
            {"remote_port", e.remote_port}};
  }
  nlohmann::json operator()(const CredentialChange& e) const {
    return {{"pid", e.pid},   {"comm", e.comm}, {"call", e.call}, {"old_uid", e.old_uid}, {"old_euid", e.old_euid},
            {"uid", e.uid},   {"euid", e.euid}, {"gid", e.gid},   {"cap_effective", e.cap_effective}};
  }
  nlohmann::json operator()(const ModuleLoad& e) const {
    return {{"pid", e.pid}, {"uid", e.uid}, {"comm", e.comm}, {"call", e.call}, {"name", e.name}};
  }
  nlohmann::json operator()(const PtraceRequest& e) const {
    return {{"pid", e.pid}, {"uid", e.uid}, {"comm", e.comm}, {"request", e.request}, {"target_pid", e.target_pid}};
  }
  nlohmann::json operator()(const SyscallProfile& e) const {
    nlohmann::json counts = nlohmann::json::object();
    for (const auto& [nr, n] : e.counts) counts[std::to_string(nr)] = n;
    return {{"pid", e.pid}, {"comm", e.comm}, {"counts", counts}};
  }
  nlohmann::json operator()(const ProcessExit& e) const {
    return {{"pid", e.pid}, {"ppid", e.ppid}, {"uid", e.uid}, {"comm", e.comm}, {"exit_code", e.exit_code},
            {"runtime_ms", e.runtime_ms}};
  }
  nlohmann::json operator()(const LogRecord& e) const {
    return {{"source", LogSourceName(e.source)}, {"origin", e.origin}, {"priority", e.priority}, {"pid", e.pid},
            {"message", e.message}};
  }
};

}  // namespace

std::string JsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json EventToJson(const Event& event) {
  nlohmann::json j = std::visit(EventBodyToJson{}, event.body);
  j["type"] = EventTypeName(event.body);
  j["ts"] = event.ts;
  return j;
}

nlohmann::json FindingToJson(const Finding& f) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const auto& e : f.evidence) evidence.push_back({{"subject", e.subject}, {"score", e.score}, {"detail", e.detail}});
  nlohmann::json facts = nlohmann::json::object();
  for (const auto& [k, v] : f.facts) facts[k] = v;
  return {{"id", f.id},           {"ts", f.ts},           {"kind", FindingKindName(f.kind)},
          {"severity", SeverityName(f.severity)}, {"subject", f.subject}, {"summary", f.summary},
          {"score", f.score},     {"evidence", evidence}, {"facts", facts}};
}

Result<Finding> FindingFromJson(const nlohmann::json& j) {
  try {
    Finding f;
    f.id = j.at("id").get<uint64_t>();
    f.ts = j.at("ts").get<TimeMs>();
    std::string kind = j.at("kind").get<std::string>();
    std::string severity = j.at("severity").get<std::string>();
    bool kind_ok = false, severity_ok = false;
    for (int k = 0; k <= static_cast<int>(FindingKind::kHealth); ++k)
      if (kind == FindingKindName(static_cast<FindingKind>(k))) f.kind = static_cast<FindingKind>(k), kind_ok = true;
    for (int s = 0; s <= static_cast<int>(Severity::kCritical); ++s)
      if (severity == SeverityName(static_cast<Severity>(s))) f.severity = static_cast<Severity>(s), severity_ok = true;
    if (!kind_ok || !severity_ok) return Status::Corrupt("finding: unknown kind '" + kind + "' or severity '" + severity + "'");
    f.subject = j.at("subject").get<std::string>();
    f.summary = j.at("summary").get<std::string>();
    f.score = j.at("score").get<double>();
    for (const auto& e : j.at("evidence"))
      f.evidence.push_back({e.at("subject").get<std::string>(), e.at("score").get<double>(), e.at("detail").get<std::string>()});
    for (const auto& [k, v] : j.at("facts").items()) f.facts.emplace_back(k, v.get<std::string>());
    return f;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("finding: ") + e.what());
  }
}

}  // namespace hostmind
