#include "serve/metrics_exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/metric_catalog.h"

namespace hostmind {

namespace {

std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string RenderMetrics(const std::vector<SeriesTable::Latest>& series) {
  // Group by metric name: the format wants each name's samples together under one TYPE.
  std::vector<const SeriesTable::Latest*> sorted;
  sorted.reserve(series.size());
  for (const auto& s : series) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key.name() < b->key.name(); });
  std::string out;
  out.reserve(series.size() * 96);
  const std::string* current = nullptr;
  for (const auto* s : sorted) {
    if (!current || *current != s->key.name()) {
      current = &s->key.name();
      std::string help = MetricHelp(*current);
      out += "# HELP " + *current + " " + EscapeHelp(help.empty() ? "hostmind series " + *current : help) + "\n";
      out += "# TYPE " + *current + (s->kind == MetricKind::kCounter ? " counter\n" : " gauge\n");
    }
    out += s->key.id();
    out += ' ';
    out += FormatMetricValue(s->value);
    out += '\n';
  }
  return out;
}

}  // namespace hostmind
