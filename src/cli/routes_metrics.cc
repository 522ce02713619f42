#include "cli/routes_metrics.h"

#include <cstdlib>

#include "detect/exhaustion_analyzer.h"
#include "detect/metric_anomaly_analyzer.h"

namespace hostmind {

namespace {

nlohmann::json OnsetJson(const AnomalyOnset& o) {
  return {{"ts", o.ts},     {"series", o.series}, {"score", o.score}, {"view", o.view},
          {"observed", o.observed}, {"low", o.low}, {"high", o.high}, {"detail", o.detail}};
}

nlohmann::json IncidentJson(const Incident& i) {
  nlohmann::json members = nlohmann::json::array();
  for (const AnomalyOnset& m : i.members) members.push_back(OnsetJson(m));
  return {{"id", i.id}, {"start", i.start}, {"last", i.last}, {"open", i.open}, {"score", i.score()}, {"series", members}};
}

nlohmann::json ForecastJson(const ResourceForecast& r) {
  const ExhaustionForecast& f = r.forecast;
  auto seconds = [](TimeMs t) { return t < 0 ? nlohmann::json(nullptr) : nlohmann::json(t / kMsPerSecond); };
  return {{"resource", r.resource},
          {"subject", r.subject},
          {"used", r.used},
          {"limit", r.limit},
          {"growing", f.growing},
          {"growth_per_hour", f.rate_per_hour},
          {"growth_low", f.rate_low},
          {"growth_high", f.rate_high},
          {"eta_s", seconds(f.growing ? f.eta : -1)},
          {"eta_low_s", seconds(f.growing ? f.eta_low : -1)},
          {"eta_high_s", seconds(f.growing ? f.eta_high : -1)},
          {"since", f.since},
          {"series", r.series},
          {"history_s", f.history / kMsPerSecond},
          {"alert", r.alert == Severity::kInfo ? "none" : SeverityName(r.alert)},
          {"updated", r.updated}};
}

size_t Limit(const HttpRequest& req, size_t fallback) {
  const std::string v = req.Param("limit");
  char* end = nullptr;
  const unsigned long n = std::strtoul(v.c_str(), &end, 10);
  return v.empty() || *end != '\0' ? fallback : static_cast<size_t>(n);
}

template <typename T>
const T* FindAnalyzer(const std::vector<std::unique_ptr<Analyzer>>& analyzers) {
  for (const auto& a : analyzers) {
    if (const T* t = dynamic_cast<const T*>(a.get())) return t;
  }
  return nullptr;
}

constexpr TimeMs kForecastAhead = 24 * kMsPerHour;

}  // namespace

void AddMetricAnnotators(CoreApiContext& api, const std::vector<std::unique_ptr<Analyzer>>& analyzers) {
  const Clock* clock = api.clock;
  if (const auto* anomalies = FindAnalyzer<MetricAnomalyAnalyzer>(analyzers)) {
    api.series_annotators.push_back([anomalies, clock](const std::string& id, TimeMs since, nlohmann::json& out) {
      nlohmann::json band = nlohmann::json::array(), onsets = nlohmann::json::array();
      for (const BandPoint& b : anomalies->Band(id, since, clock->Now())) band.push_back({b.ts, b.low, b.high});
      for (const AnomalyOnset& o : anomalies->Snapshot().recent)
        if (o.series == id && o.ts >= since) onsets.push_back({o.ts, o.score});
      out["band"] = band;
      out["anomalies"] = onsets;
    });
  }
  if (const auto* forecasts = FindAnalyzer<ExhaustionAnalyzer>(analyzers)) {
    api.series_annotators.push_back([forecasts](const std::string& id, TimeMs, nlohmann::json& out) {
      for (const ResourceForecast& r : forecasts->Snapshot()) {
        if (r.series != id) continue;
        nlohmann::json points = nlohmann::json::array();
        for (const ForecastPoint& p : ForecastPath(r, kForecastAhead)) points.push_back({p.ts, p.value, p.low, p.high});
        if (!points.empty()) out["forecast"] = {{"resource", r.resource}, {"subject", r.subject}, {"points", points}};
        return;
      }
    });
  }
}

void RegisterMetricRoutes(HttpServer& server, const std::vector<std::unique_ptr<Analyzer>>& analyzers) {
  const MetricAnomalyAnalyzer* anomalies = FindAnalyzer<MetricAnomalyAnalyzer>(analyzers);
  const ExhaustionAnalyzer* forecasts = FindAnalyzer<ExhaustionAnalyzer>(analyzers);
  server.Get("/api/v1/anomalies", [anomalies](const HttpRequest& req) {
    if (!anomalies) return HttpResponse::Error(404, "metric anomalies are disabled (metrics.anomalies.enabled)");
    const MetricAnomalySnapshot s = anomalies->Snapshot();
    const TimeMs since = std::atoll(req.Param("since", "0").c_str());
    nlohmann::json recent = nlohmann::json::array(), anomalous = nlohmann::json::array();
    for (const AnomalyOnset& o : s.recent) {
      if (o.ts >= since && recent.size() < Limit(req, 100)) recent.push_back(OnsetJson(o));
    }
    for (const AnomalyOnset& o : s.anomalous) anomalous.push_back(OnsetJson(o));
    return HttpResponse::Json({{"series_watched", s.series_watched},
                               {"state_bytes", s.state_bytes},
                               {"onsets_total", s.onsets_total},
                               {"series_dropped", s.series_dropped},
                               {"threshold", kAnomalyThreshold},
                               {"correlation", {{"series", s.correlation_series},
                                                {"learning", s.correlation_learning},
                                                {"alert_level", s.correlation_level},
                                                {"residual", s.correlation_residual}}},
                               {"anomalous", anomalous},
                               {"recent", recent}});
  });
  server.Get("/api/v1/incidents", [anomalies](const HttpRequest& req) {
    if (!anomalies) return HttpResponse::Error(404, "metric anomalies are disabled (metrics.anomalies.enabled)");
    const MetricAnomalySnapshot s = anomalies->Snapshot();
    const TimeMs since = std::atoll(req.Param("since", "0").c_str());
    nlohmann::json list = nlohmann::json::array();
    for (const Incident& i : s.incidents) {
      if (i.last >= since && list.size() < Limit(req, 50)) list.push_back(IncidentJson(i));
    }
    return HttpResponse::Json({{"incidents", list}});
  });
  server.Get("/api/v1/forecasts", [forecasts](const HttpRequest& req) {
    if (!forecasts) return HttpResponse::Error(404, "forecasts are disabled (metrics.forecasts.enabled)");
    const std::string resource = req.Param("resource");
    nlohmann::json list = nlohmann::json::array();
    for (const ResourceForecast& r : forecasts->Snapshot()) {
      if ((resource.empty() || r.resource == resource) && list.size() < Limit(req, 500)) list.push_back(ForecastJson(r));
    }
    return HttpResponse::Json({{"forecasts", list}});
  });
}

}  // namespace hostmind
