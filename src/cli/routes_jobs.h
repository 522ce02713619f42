#pragma once
// HTTP routes of the job queue and the run-time predictor (docs/API.md):
//   POST /api/v1/jobs                 submit (the body proves the submitter's uid, below)
//   GET  /api/v1/jobs[?all=1]         queued and running jobs (all=1: recent finished too)
//   GET  /api/v1/jobs/<id>            one job
//   POST /api/v1/jobs/<id>/cancel     cancel (owner or root, proven like a submission)
//   GET  /api/v1/jobs/<id>/wait?timeout_ms=N   the job once finished, or after N ms
//   POST /api/v1/predict              predicted run time of a command, with its history
//   GET  /api/v1/predictor            the predictor's state
//
// Proof of identity: HTTP on loopback cannot tell who connected, so a client proves its uid
// by creating a file only it can create: /tmp/hostmind-cred-*, mode 0600, holding a random
// token it also sends. The agent (root) checks the file's owner, mode and content, and
// deletes it; jobs then run as that uid. Without a valid proof a job is refused.
#include "act/job_queue.h"
#include "detect/runtime_service.h"
#include "serve/http_server.h"

namespace hostmind {

// `queue` may be null (jobs.enabled: false): the job routes then answer 503.
void RegisterJobRoutes(HttpServer& server, JobQueue* queue, RuntimeService& runtime, const Clock& clock);

// The uid (and gid) proven by a credential {"path": ..., "token": ...}; the file is removed.
struct ProvenUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string name;
};
Result<ProvenUser> VerifyCredential(const nlohmann::json& credential);

// A job as the API shows it: its record without the environment (which may hold secrets),
// with its output files.
nlohmann::json JobApiJson(const Job& job);
nlohmann::json PredictionApiJson(const RuntimePrediction& p, double quantile);

}  // namespace hostmind
