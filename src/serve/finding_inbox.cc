#include "serve/finding_inbox.h"

#include "store/json_codec.h"

namespace hostmind {

bool FindingInbox::Push(Finding finding) {
  std::lock_guard lock(mu_);
  if (pending_.size() >= kCapacity) return false;
  pending_.push_back(std::move(finding));
  return true;
}

void FindingInbox::Analyze(const Batch&, Analysis& out) {
  std::lock_guard lock(mu_);
  while (!pending_.empty()) {
    out.findings.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
}

void RegisterFindingInbox(HttpServer& server, FindingInbox& inbox, const Clock& clock) {
  server.Post("/api/v1/findings", [&inbox, &clock](const HttpRequest& req) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object()) return HttpResponse::Error(400, "body: expected a JSON object (a finding)");
    for (const char* required : {"kind", "severity", "summary"})
      if (!body.contains(required)) return HttpResponse::Error(400, std::string("finding: '") + required + "' is required");
    nlohmann::json full = {{"id", 0},        {"ts", clock.Now()},           {"subject", ""},
                           {"score", 0.0},   {"evidence", nlohmann::json::array()}, {"facts", nlohmann::json::object()}};
    full.update(body);
    full["id"] = 0;  // the store assigns ids
    auto finding = FindingFromJson(full);
    if (!finding.ok()) return HttpResponse::Error(400, finding.status().message());
    finding->facts.emplace_back("source", "api");
    finding->facts.emplace_back("reported_by", req.remote_addr);
    if (!inbox.Push(*std::move(finding))) return HttpResponse::Error(429, "too many findings pending; retry shortly");
    return HttpResponse::Json({{"accepted", true}}, 202);
  });
}

}  // namespace hostmind
