#include "core/explain_text.h"

#include <fmt/format.h>

namespace hostmind {

std::string ExplainText(const Finding& f) {
  std::string out = fmt::format("[{}] {} #{} at {}\n{}\n", SeverityName(f.severity), FindingKindName(f.kind), f.id,
                                FormatLocalTime(f.ts), f.summary);
  out += fmt::format("  subject: {}   score: {:.2f}\n", f.subject.empty() ? "-" : f.subject, f.score);
  if (!f.evidence.empty()) {
    out += "  why (most responsible first):\n";
    for (size_t i = 0; i < f.evidence.size(); ++i) {
      const Evidence& e = f.evidence[i];
      out += fmt::format("    {}. {} ({:.2f}){}{}\n", i + 1, e.subject, e.score, e.detail.empty() ? "" : ": ", e.detail);
    }
  }
  if (!f.facts.empty()) {
    out += "  facts:\n";
    for (const auto& [k, v] : f.facts) out += fmt::format("    {}: {}\n", k, v);
  }
  return out;
}

}  // namespace hostmind
