#include "cli/routes_alloc.h"

#include <cmath>

namespace hostmind {

namespace {

nlohmann::json UsageJson(const CgroupUsageSample& u) {
  return {{"cpu_cores", u.cpu_cores},          {"cpu_throttled", u.throttled},
          {"cpu_pressure", u.cpu_pressure},    {"memory_pressure", u.memory_pressure},
          {"memory_bytes", u.memory_bytes},    {"anon_bytes", u.anon_bytes},
          {"file_bytes", u.file_bytes},        {"refaults_per_s", u.refaults_per_s},
          {"oom_kills", u.oom_kills},          {"has_pressure", u.has_pressure}};
}

}  // namespace

void RegisterAllocRoutes(HttpServer& server, ActionAudit* audit, const CgroupController* controller) {
  server.Get("/api/v1/actions", [audit](const HttpRequest& req) {
    long since = std::strtol(req.Param("since", "0").c_str(), nullptr, 10);
    long limit = std::strtol(req.Param("limit", "100").c_str(), nullptr, 10);
    if (limit <= 0 || limit > 10000) return HttpResponse::Error(400, "limit: expected 1..10000");
    auto actions = audit->Query(since, req.Param("actuator"), static_cast<size_t>(limit));
    if (!actions.ok()) return HttpResponse::Error(500, actions.status().ToString());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : *actions) list.push_back(ActionJson(a));
    return HttpResponse::Json({{"actions", list}});
  });
  server.Get(R"(/api/v1/actions/(\d+))", [audit](const HttpRequest& req) {
    auto a = audit->Get(std::stoll(req.matches.at(0)));
    if (!a.ok()) return HttpResponse::Error(500, a.status().ToString());
    if (!a->has_value()) return HttpResponse::Error(404, "no action " + req.matches.at(0));
    nlohmann::json j = ActionJson(**a);
    j["explanation"] = ExplainAction(**a);
    return HttpResponse::Json(j);
  });
  server.Get("/api/v1/alloc", [controller](const HttpRequest&) {
    if (!controller) return HttpResponse::Json({{"mode", "off"}, {"workloads", nlohmann::json::array()}});
    nlohmann::json list = nlohmann::json::array();
    for (const auto& w : controller->Snapshot())
      list.push_back({{"name", w.name}, {"path", w.path}, {"class", w.klass}, {"usage", UsageJson(w.usage)},
                      {"knobs", w.knobs}});
    double allowance = controller->policy().batch_allowance();
    return HttpResponse::Json({{"mode", ActModeName(controller->mode())},
                               {"batch_allowance_cores", allowance >= 0 ? nlohmann::json(allowance) : nlohmann::json()},
                               {"workloads", list}});
  });
}

}  // namespace hostmind
