#include "cli/agent_client.h"

namespace hostmind::cli {

Result<nlohmann::json> AgentGetJson(const Config& config, const std::string& path) {
  // An agent listening on every address is reached on loopback.
  std::string host = config.http.listen == "0.0.0.0" || config.http.listen == "::" ? "127.0.0.1" : config.http.listen;
  auto r = HttpCall("GET", host, config.http.port, path, "", config.http.token);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status == 404) return Status::NotFound(j.is_object() ? j.value("error", path) : path);
  if (r->status != 200)
    return Status::Unavailable("agent answered " + std::to_string(r->status) + " for " + path +
                               (j.is_object() ? ": " + j.value("error", "") : ""));
  if (j.is_discarded()) return Status::Corrupt(path + ": not JSON");
  return j;
}

}  // namespace hostmind::cli
