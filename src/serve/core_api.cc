#include "serve/core_api.h"

#include "core/version.h"
#include "serve/dashboard.h"
#include "serve/metrics_exposition.h"
#include "store/json_codec.h"

namespace hostmind {

namespace {


#define HM_PARAM_OR_400(var, req, name, fallback, max)                         \
  auto var##_r = IntParam(req, name, fallback, max);                           \
  if (!var##_r.ok()) return HttpResponse::Error(400, var##_r.status().message()); \
  int64_t var = *var##_r

nlohmann::json SeriesListJson(const SeriesTable& table, const std::string& match, size_t limit) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : table.LiveSeries()) {
    if (!match.empty() && s.key.id().find(match) == std::string::npos) continue;
    if (list.size() >= limit) break;
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : s.key.labels()) labels[k] = v;
    list.push_back({{"id", s.key.id()}, {"name", s.key.name()}, {"labels", labels}, {"value", s.value}, {"ts", s.ts}});
  }
  return {{"series", list}};
}

HttpResponse SeriesPoints(const CoreApiContext& ctx, const std::string& id, TimeMs since) {
  auto points = ctx.series->Points(id, since);
  auto rollups = ctx.store->QueryRollups(id, since);
  if (!rollups.ok()) return HttpResponse::Error(500, rollups.status().message());
  if (!points && rollups->empty()) return HttpResponse::Error(404, "no series '" + id + "'");
  nlohmann::json raw = nlohmann::json::array();
  if (points)
    for (const auto& p : *points) raw.push_back({p.ts, p.value});
  nlohmann::json rolled = nlohmann::json::array();
  for (const auto& r : *rollups)
    rolled.push_back({{"ts", r.ts}, {"min", r.min}, {"max", r.max}, {"mean", r.sum / static_cast<double>(std::max<uint64_t>(1, r.count))},
                      {"last", r.last}, {"count", r.count}});
  nlohmann::json out = {{"id", id}, {"points", raw}, {"rollups", rolled}};
  for (const auto& annotate : ctx.series_annotators) annotate(id, since, out);
  return HttpResponse::Json(out);
}

}  // namespace

nlohmann::json HealthJson(const CoreApiContext& ctx) {
  nlohmann::json collectors = nlohmann::json::array();
  bool all_up = true;
  for (const auto& h : ctx.pipeline->Health()) {
    all_up &= h.up || !h.ran;
    collectors.push_back({{"name", h.name}, {"up", h.up}, {"ran", h.ran}, {"interval_s", h.interval_ms / 1000.0},
                          {"runs", h.runs}, {"errors", h.errors}, {"last_error", h.last_error}, {"last_run", h.last_run}});
  }
  TimeMs now = ctx.clock->Now();
  nlohmann::json health = {
      {"status", all_up ? "ok" : "degraded"},
      {"version", kVersion},
      {"hostname", ctx.hostname},
      {"uptime_s", (now - ctx.started_at) / 1000.0},
      {"collectors", collectors},
      {"pipeline", {{"queue_depth", ctx.pipeline->queue_depth()}, {"queue_capacity", ctx.pipeline->queue_capacity()},
                    {"dropped_batches", ctx.pipeline->dropped_batches()}}},
      {"store", {{"series_in_memory", ctx.series->series_count()}, {"points_in_memory", ctx.series->point_count()}}},
  };
  health["actors"] = nlohmann::json::array();
  for (const auto& extend : ctx.health_extensions) extend(health);
  return health;
}

void RegisterCoreApi(HttpServer& server, CoreApiContext ctx) {
  server.Get("/metrics", [ctx](const HttpRequest&) {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(ctx.series->LiveSeries()), {}};
  });
  server.Get("/api/v1/health", [ctx](const HttpRequest&) { return HttpResponse::Json(HealthJson(ctx)); });
  // The route index: what this agent serves, so the dashboard shows only sections that exist.
  server.Get("/api/v1", [&server, ctx](const HttpRequest&) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& r : server.Routes()) routes.push_back({{"method", r.method}, {"pattern", r.pattern}});
    return HttpResponse::Json({{"version", kVersion}, {"hostname", ctx.hostname}, {"routes", routes}});
  });
  RegisterDashboard(server);
  server.Get("/api/v1/series", [ctx](const HttpRequest& req) {
    HM_PARAM_OR_400(limit, req, "limit", 1000, 100000);
    HM_PARAM_OR_400(since, req, "since", 0, INT64_MAX);
    std::string id = req.Param("id");
    if (!id.empty()) return SeriesPoints(ctx, id, since);
    return HttpResponse::Json(SeriesListJson(*ctx.series, req.Param("match"), static_cast<size_t>(limit)));
  });
  server.Get("/api/v1/events", [ctx](const HttpRequest& req) {
    HM_PARAM_OR_400(limit, req, "limit", 100, 10000);
    HM_PARAM_OR_400(since, req, "since", 0, INT64_MAX);
    auto events = ctx.store->QueryEvents({since, req.Param("type"), static_cast<size_t>(limit)});
    if (!events.ok()) return HttpResponse::Error(500, events.status().message());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : *events) {
      nlohmann::json j = nlohmann::json::parse(e.json, nullptr, false);
      j["id"] = e.id;
      list.push_back(j);
    }
    return HttpResponse::Json({{"events", list}});
  });
  server.Get("/api/v1/alerts", [ctx](const HttpRequest& req) {
    HM_PARAM_OR_400(limit, req, "limit", 100, 10000);
    HM_PARAM_OR_400(since, req, "since", 0, INT64_MAX);
    auto findings = ctx.store->QueryFindings({since, static_cast<int>(Severity::kWarning), req.Param("kind"), static_cast<size_t>(limit)});
    if (!findings.ok()) return HttpResponse::Error(500, findings.status().message());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : *findings) list.push_back(FindingToJson(f));
    return HttpResponse::Json({{"alerts", list}});
  });
  server.Get(R"(/api/v1/findings/(\d+))", [ctx](const HttpRequest& req) {
    auto f = ctx.store->GetFinding(std::stoull(req.matches[0]));
    if (!f.ok()) return HttpResponse::Error(500, f.status().message());
    if (!*f) return HttpResponse::Error(404, "no finding " + req.matches[0]);
    return HttpResponse::Json(FindingToJson(**f));
  });
}

}  // namespace hostmind
