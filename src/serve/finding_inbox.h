#pragma once
// Findings reported from outside the agent (POST /api/v1/findings): a health check, a deploy
// script, or a test that needs a known anomaly. They enter the pipeline as an Analyzer's output,
// so they take exactly the path of the agent's own findings: the store gives them ids, alert
// delivery routes them, the dashboard and `hostmind explain` show them. Each carries the fact
// `source: api` and the caller's address, so nobody mistakes one for a detector's verdict.
#include <deque>
#include <mutex>

#include "core/pipeline.h"
#include "serve/http_server.h"

namespace hostmind {

class FindingInbox final : public Analyzer {
 public:
  static constexpr size_t kCapacity = 1000;  // pending findings; more are refused (429)

  // False when full.
  bool Push(Finding finding);
  // Moves the pending findings into `out` (called by the analysis thread on each batch).
  void Analyze(const Batch& batch, Analysis& out) override;

 private:
  std::mutex mu_;
  std::deque<Finding> pending_;
};

// POST /api/v1/findings: the body is a finding (docs/API.md); kind, severity and summary are
// required, ts defaults to now. Answers 202: the finding is stored with the next batch.
void RegisterFindingInbox(HttpServer& server, FindingInbox& inbox, const Clock& clock);

}  // namespace hostmind
