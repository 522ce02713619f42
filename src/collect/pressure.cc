#include "collect/pressure.h"

#include "core/metric_catalog.h"

namespace hostmind {

Result<PsiFile> ParsePsi(std::string_view text) {
  PsiFile out;
  for (auto line : SplitLines(text)) {
    auto f = SplitFields(line);
    if (f.empty()) continue;
    if (f.size() != 5 || (f[0] != "some" && f[0] != "full"))
      return Status::Corrupt("bad PSI line '" + std::string(line.substr(0, 80)) + "'");
    PsiLine p;
    const std::pair<std::string_view, double*> avgs[] = {{"avg10=", &p.avg10}, {"avg60=", &p.avg60}, {"avg300=", &p.avg300}};
    for (size_t i = 0; i < 3; ++i) {
      auto v = f[i + 1].substr(0, avgs[i].first.size()) == avgs[i].first
                   ? ParseDouble(f[i + 1].substr(avgs[i].first.size()))
                   : std::nullopt;
      if (!v) return Status::Corrupt("bad PSI field '" + std::string(f[i + 1]) + "'");
      *avgs[i].second = *v;
    }
    auto total = f[4].substr(0, 6) == "total=" ? ParseU64(f[4].substr(6)) : std::nullopt;
    if (!total) return Status::Corrupt("bad PSI field '" + std::string(f[4]) + "'");
    p.total_us = *total;
    (f[0] == "some" ? out.some : out.full) = p;
  }
  if (!out.some) return Status::Corrupt("PSI text without a 'some' line");
  return out;
}

void EmitPsi(const PsiFile& psi, const std::string& metric_prefix, std::vector<Label> labels,
             const std::string& rate_key, RateTracker& rates, CollectContext& ctx) {
  const std::pair<const char*, const std::optional<PsiLine>*> kinds[] = {{"some", &psi.some}, {"full", &psi.full}};
  for (const auto& [kind, line] : kinds) {
    if (!*line) continue;
    std::vector<Label> l = labels;
    l.emplace_back("kind", kind);
    double total_s = static_cast<double>((*line)->total_us) / 1e6;
    ctx.out().Counter(SeriesKey(metric_prefix + "_stall_seconds_total", l), total_s);
    // Stalled seconds per second: the share of wall time some/all tasks were stalled.
    if (auto r = rates.Rate(rate_key + "/" + kind, total_s, ctx.now()))
      ctx.out().Gauge(SeriesKey(metric_prefix + "_stall_ratio", l), std::min(1.0, *r));
  }
}

PressureCollector::PressureCollector() {
  DescribeMetric("hostmind_pressure_stall_ratio", "Share of time tasks stalled on the resource since the last sample (PSI; kind=some: at least one task, full: all non-idle tasks).");
  DescribeMetric("hostmind_pressure_stall_seconds_total", "Total time tasks stalled on the resource (PSI total).");
}

Status PressureCollector::Collect(CollectContext& ctx) {
  int read = 0;
  for (const char* resource : {"cpu", "memory", "io"}) {
    std::string path = std::string("/proc/pressure/") + resource;
    auto text = ctx.env().ReadFile(path);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kNotFound) ctx.CountError(text.status());
      continue;
    }
    auto psi = ParsePsi(*text);
    if (!psi.ok()) {
      ctx.CountError(Status::Corrupt(path + ": " + psi.status().message()));
      continue;
    }
    ++read;
    EmitPsi(*psi, "hostmind_pressure", {{"resource", resource}}, resource, rates_, ctx);
  }
  if (read == 0)
    return Status::Unavailable("PSI unavailable: no readable /proc/pressure/{cpu,memory,io} (kernel without CONFIG_PSI or booted with psi=0)");
  return Status::Ok();
}

}  // namespace hostmind
