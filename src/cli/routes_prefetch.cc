// /api/v1/prefetch*: what the prefetcher learnt, plans, did and predicts, and its mode.
#include "cli/routes_prefetch.h"

#include <nlohmann/json.hpp>

namespace hostmind {

namespace {

nlohmann::json ReadJson(const PrefetchRead& r) {
  return {{"path", r.path},
          {"offset", r.pages.first * kPageBytes},
          {"bytes", r.pages.count * kPageBytes},
          {"at_ms", r.at_ms},
          {"probability", r.probability}};
}

nlohmann::json JobJson(const JobRecord& j) {
  auto bytes = [](uint64_t pages) { return pages * kPageBytes; };
  nlohmann::json out = {{"id", j.id},
                        {"reason", PrefetchReasonName(j.reason)},
                        {"program", j.key},
                        {"pid", j.pid},
                        {"ts", j.ts},
                        {"reads", j.reads},
                        {"bytes_planned", j.bytes_planned},
                        {"issued", j.issued},
                        {"bytes_requested", j.bytes_requested},
                        {"files_opened", j.files_opened},
                        {"files_missing", j.files_missing},
                        {"directories", j.directories},
                        {"stopped_cached", j.cached},
                        {"queue_us", j.queue_us},
                        {"issue_us", j.issue_us},
                        {"brought_bytes", bytes(j.pages_in)},
                        {"hit_bytes", bytes(j.pages_hit)},
                        {"wasted_bytes", bytes(j.pages_wasted)},
                        {"final", j.final}};
  if (j.final && j.pages_in > 0) out["hit_ratio"] = static_cast<double>(j.pages_hit) / static_cast<double>(j.pages_in);
  return out;
}

nlohmann::json StatusJson(const PrefetchStatus& s) {
  auto bytes = [](uint64_t pages) { return pages * kPageBytes; };
  nlohmann::json out = {
      {"mode", ActModeName(s.mode)},
      {"tracer", s.tracer.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.tracer)},
      {"exact_pages", s.exact_pages},
      {"programs", s.programs},
      {"launches_learnt", s.launches_learnt},
      {"jobs", s.totals.jobs},
      {"brought_bytes", bytes(s.totals.pages_in)},
      {"hit_bytes", bytes(s.totals.pages_hit)},
      {"wasted_bytes", bytes(s.totals.pages_wasted)},
      {"pending_bytes", bytes(s.pending_pages)},
      {"unattributed_bytes", bytes(s.totals.pages_unattributed)},
      {"skipped", s.skipped},
      {"tracer_stats",
       {{"records", s.source.records},
        {"lost", s.source.lost},
        {"traces", s.source.traces},
        {"traces_dropped", s.source.traces_dropped},
        {"launches_untraced", s.source.launches_untraced},
        {"files_unnamed", s.source.files_unnamed}}}};
  if (!s.unavailable.empty()) out["degraded"] = s.unavailable;
  uint64_t accounted = s.totals.pages_hit + s.totals.pages_wasted;
  if (accounted > 0) out["hit_ratio"] = static_cast<double>(s.totals.pages_hit) / static_cast<double>(accounted);
  return out;
}

size_t Limit(const HttpRequest& req, size_t fallback) {
  std::string v = req.Param("limit");
  if (v.empty()) return fallback;
  try {
    return std::min<size_t>(std::stoul(v), 10000);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

void RegisterPrefetchRoutes(HttpServer& server, PrefetchAnalyzer& prefetch) {
  server.Get("/api/v1/prefetch", [&](const HttpRequest&) { return HttpResponse::Json(StatusJson(prefetch.Overview())); });
  server.Get("/api/v1/prefetch/programs", [&](const HttpRequest& req) {
    nlohmann::json list = nlohmann::json::array();
    for (const ProgramView& v : prefetch.Programs(Limit(req, 100))) {
      nlohmann::json children = nlohmann::json::array();
      for (const LaunchPrediction& c : v.children)
        children.push_back({{"program", c.key}, {"probability", c.probability}, {"delay_ms", c.delay_ms}});
      list.push_back({{"program", v.summary.key},
                      {"launches", v.summary.launches},
                      {"last_launch", v.summary.last_launch},
                      {"files", v.summary.files},
                      {"bytes_learnt", v.summary.pages * kPageBytes},
                      {"plan_reads", v.plan_reads},
                      {"plan_bytes", v.plan_bytes},
                      {"children", children}});
    }
    return HttpResponse::Json({{"programs", list}});
  });
  server.Get("/api/v1/prefetch/plan", [&](const HttpRequest& req) {
    std::string key = req.Param("program");
    if (key.empty()) return HttpResponse::Error(400, "program: the program's key is required (see /api/v1/prefetch/programs)");
    auto plan = prefetch.PlanOf(key);
    if (!plan) return HttpResponse::Error(404, "no plan for '" + key + "'");
    nlohmann::json reads = nlohmann::json::array();
    for (const PrefetchRead& r : *plan) reads.push_back(ReadJson(r));
    return HttpResponse::Json({{"program", key}, {"reads", reads}});
  });
  server.Get("/api/v1/prefetch/jobs", [&](const HttpRequest& req) {
    nlohmann::json list = nlohmann::json::array();
    for (const JobRecord& j : prefetch.Jobs(Limit(req, 100))) list.push_back(JobJson(j));
    return HttpResponse::Json({{"jobs", list}});
  });
  server.Get("/api/v1/prefetch/predictions", [&](const HttpRequest&) {
    nlohmann::json list = nlohmann::json::array();
    for (const LaunchPrediction& p : prefetch.Predictions())
      list.push_back({{"program", p.key}, {"probability", p.probability}, {"delay_ms", p.delay_ms}, {"why", p.why}});
    return HttpResponse::Json({{"predictions", list}});
  });
  server.Put("/api/v1/prefetch/mode", [&](const HttpRequest& req) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("mode") || !body["mode"].is_string())
      return HttpResponse::Error(400, "expected {\"mode\": \"observe\" | \"recommend\" | \"enforce\"}");
    auto mode = ParseActMode(body["mode"].get<std::string>());
    if (!mode.ok()) return HttpResponse::Error(400, mode.status().message());
    prefetch.SetMode(*mode);
    return HttpResponse::Json({{"mode", ActModeName(*mode)}});
  });
}

}  // namespace hostmind
