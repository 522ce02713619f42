#include "alert/alert_api.h"

#include "store/json_codec.h"

namespace hostmind {

void RegisterAlertApi(HttpServer& server, AlertSink& sink) {
  server.Get("/api/v1/alerts/active", [&sink](const HttpRequest&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& open : sink.router().Open(sink.clock().Now())) {
      // The latest finding's fields (so it reads like /api/v1/alerts), plus the alert's own.
      nlohmann::json j = FindingToJson(open.alert.finding);
      j["fingerprint"] = open.alert.fingerprint;
      j["count"] = open.alert.count;
      j["starts_at"] = open.alert.starts_at;
      j["last_seen"] = open.alert.last_seen;
      j["first_finding_id"] = open.alert.first_finding_id;
      j["silenced_by"] = open.silenced_by ? nlohmann::json(*open.silenced_by) : nlohmann::json();
      list.push_back(j);
    }
    return HttpResponse::Json({{"alerts", list}});
  });
  server.Get("/api/v1/silences", [&sink](const HttpRequest& req) {
    TimeMs now = sink.clock().Now();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : sink.silences().List(now, req.Param("all") == "1")) list.push_back(SilenceToJson(s, now));
    return HttpResponse::Json({{"silences", list}});
  });
  server.Post("/api/v1/silences", [&sink](const HttpRequest& req) {
    TimeMs now = sink.clock().Now();
    auto silence = SilenceFromJson(nlohmann::json::parse(req.body, nullptr, false), now);
    if (!silence.ok()) return HttpResponse::Error(400, silence.status().message());
    auto added = sink.silences().Add(*std::move(silence));
    if (!added.ok())
      return HttpResponse::Error(added.status().code() == StatusCode::kInvalidArgument ? 400 : 500, added.status().message());
    return HttpResponse::Json(SilenceToJson(*added, now), 201);
  });
  server.Delete(R"(/api/v1/silences/(\d+))", [&sink](const HttpRequest& req) {
    Status s = sink.silences().Expire(std::stoull(req.matches[0]), sink.clock().Now());
    if (s.code() == StatusCode::kNotFound) return HttpResponse::Error(404, s.message());
    if (!s.ok()) return HttpResponse::Error(500, s.message());
    return HttpResponse::Json({{"expired", true}});
  });
}

}  // namespace hostmind
