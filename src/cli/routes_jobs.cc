#include "cli/routes_jobs.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hostmind {
namespace {

constexpr char kCredentialPrefix[] = "/tmp/hostmind-cred-";

HttpResponse FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return HttpResponse::Error(404, s.message());
    case StatusCode::kPermissionDenied: return HttpResponse::Error(403, s.message());
    case StatusCode::kInvalidArgument: return HttpResponse::Error(400, s.message());
    case StatusCode::kUnavailable: return HttpResponse::Error(503, s.message());
    default: return HttpResponse::Error(500, s.message());
  }
}

Result<nlohmann::json> ParseBody(const HttpRequest& req) {
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return j;
}

nlohmann::json StatsJson(const RunStats& s) {
  return {{"count", s.count}, {"last1_s", s.last1_s}, {"last2_s", s.last2_s}, {"mean_s", s.mean_s()}};
}

Result<JobSpec> SpecFromJson(const nlohmann::json& j, const ProvenUser& user) {
  try {
    JobSpec s;
    s.argv = j.at("argv").get<std::vector<std::string>>();
    s.cwd = j.at("cwd").get<std::string>();
    s.env = j.value("env", std::vector<std::string>{});
    s.cpus = j.value("cpus", 1.0);
    s.mem_bytes = j.value("mem_bytes", uint64_t{0});
    s.limit_ms = j.value("limit_ms", TimeMs{0});
    s.uid = user.uid;
    s.gid = user.gid;
    s.user = user.name;
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("bad job submission: ") + e.what());
  }
}

// The id in the route's match; 0 (no job has it) when it does not fit in 64 bits.
uint64_t JobId(const HttpRequest& req) {
  if (req.matches.empty()) return 0;
  try {
    return std::stoull(req.matches[0]);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

Result<ProvenUser> VerifyCredential(const nlohmann::json& credential) {
  if (!credential.is_object() || !credential.contains("path") || !credential.contains("token"))
    return Status::PermissionDenied("no credential: the submission must prove who makes it (use hostmind jobs)");
  const std::string path = credential["path"].get<std::string>();
  const std::string token = credential["token"].get<std::string>();
  if (path.rfind(kCredentialPrefix, 0) != 0 || path.find("/..") != std::string::npos || token.size() < 32)
    return Status::PermissionDenied("malformed credential");
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::PermissionDenied("credential " + path + ": " + std::strerror(errno));
  struct stat st {};
  char buf[256] = {};
  const bool stat_ok = fstat(fd, &st) == 0;
  const ssize_t n = stat_ok ? read(fd, buf, sizeof buf - 1) : -1;
  close(fd);
  // Only its owner (or root) can have made a regular, private, singly linked file there.
  if (!stat_ok || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_nlink != 1)
    return Status::PermissionDenied("credential " + path + " is not a private regular file");
  if (n < 0 || std::string(buf, static_cast<size_t>(n)) != token) return Status::PermissionDenied("credential mismatch");
  unlink(path.c_str());
  ProvenUser user{st.st_uid, st.st_gid, std::to_string(st.st_uid)};
  struct passwd pw {};
  struct passwd* found = nullptr;
  char pwbuf[4096];
  if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof pwbuf, &found) == 0 && found) {
    user.name = pw.pw_name;
    user.gid = pw.pw_gid;
  }
  return user;
}

nlohmann::json JobApiJson(const Job& job) {
  nlohmann::json j = JobToJson(job);
  j.erase("env");
  j["stdout"] = job.dir + "/stdout";
  j["stderr"] = job.dir + "/stderr";
  return j;
}

nlohmann::json PredictionApiJson(const RuntimePrediction& p, double quantile) {
  return {{"predicted_ms", p.predicted_ms},
          {"upper_ms", p.upper_ms},
          {"quantile", quantile},
          {"source", PredictionSourceName(p.source)},
          {"history",
           {{"exact", StatsJson(p.history.exact())},
            {"command", StatsJson(p.history.command())},
            {"user", StatsJson(p.history.user())}}}};
}

void RegisterJobRoutes(HttpServer& server, JobQueue* queue, RuntimeService& runtime, const Clock& clock) {
  (void)clock;
  auto need_queue = [queue]() -> Status {
    if (!queue) return Status::Unavailable("the job queue is disabled (jobs.enabled: false)");
    return Status::Ok();
  };
  server.Post("/api/v1/jobs", [=](const HttpRequest& req) {
    if (Status s = need_queue(); !s.ok()) return FromStatus(s);
    auto body = ParseBody(req);
    if (!body.ok()) return FromStatus(body.status());
    auto user = VerifyCredential(body->value("credential", nlohmann::json()));
    if (!user.ok()) return FromStatus(user.status());
    auto spec = SpecFromJson(*body, *user);
    if (!spec.ok()) return FromStatus(spec.status());
    auto job = queue->Submit(std::move(*spec));
    if (!job.ok()) return FromStatus(job.status());
    return HttpResponse::Json(JobApiJson(*job), 201);
  });
  server.Get("/api/v1/jobs", [=](const HttpRequest& req) {
    if (Status s = need_queue(); !s.ok()) return FromStatus(s);
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& job : queue->List(req.Param("all") == "1")) jobs.push_back(JobApiJson(job));
    const auto st = queue->stats();
    return HttpResponse::Json({{"jobs", jobs},
                               {"queue",
                                {{"policy", st.policy},
                                 {"queued", st.queued},
                                 {"running", st.running},
                                 {"cpus_used", st.used.cpus},
                                 {"cpus", st.capacity.cpus},
                                 {"mem_used_bytes", st.used.mem_bytes},
                                 {"mem_bytes", st.capacity.mem_bytes},
                                 {"confinement", st.confinement}}}});
  });
  server.Get(R"(/api/v1/jobs/(\d+))", [=](const HttpRequest& req) {
    if (Status s = need_queue(); !s.ok()) return FromStatus(s);
    auto job = queue->Get(JobId(req));
    return job.ok() ? HttpResponse::Json(JobApiJson(*job)) : FromStatus(job.status());
  });
  server.Get(R"(/api/v1/jobs/(\d+)/wait)", [=](const HttpRequest& req) {
    if (Status s = need_queue(); !s.ok()) return FromStatus(s);
    const TimeMs timeout = std::min<TimeMs>(std::atoll(req.Param("timeout_ms", "20000").c_str()), 25000);
    auto job = queue->Wait(JobId(req), timeout);
    return job.ok() ? HttpResponse::Json(JobApiJson(*job)) : FromStatus(job.status());
  });
  server.Post(R"(/api/v1/jobs/(\d+)/cancel)", [=](const HttpRequest& req) {
    if (Status s = need_queue(); !s.ok()) return FromStatus(s);
    auto body = ParseBody(req);
    if (!body.ok()) return FromStatus(body.status());
    auto user = VerifyCredential(body->value("credential", nlohmann::json()));
    if (!user.ok()) return FromStatus(user.status());
    auto job = queue->Cancel(JobId(req), user->uid);
    return job.ok() ? HttpResponse::Json(JobApiJson(*job)) : FromStatus(job.status());
  });
  server.Post("/api/v1/predict", [&runtime](const HttpRequest& req) {
    auto body = ParseBody(req);
    if (!body.ok()) return FromStatus(body.status());
    RunRequest r;
    try {
      const auto argv = body->at("argv").get<std::vector<std::string>>();
      if (argv.empty()) return HttpResponse::Error(400, "no command given");
      r.user = std::to_string(body->at("uid").get<uint32_t>());
      r.command = argv[0];
      r.args.assign(argv.begin() + 1, argv.end());
      r.cwd = body->value("cwd", std::string());
      r.cpus = body->value("cpus", 1.0);
      r.estimate_ms = body->value("limit_ms", TimeMs{0});
    } catch (const nlohmann::json::exception& e) {
      return HttpResponse::Error(400, std::string("bad prediction request: ") + e.what());
    }
    const auto st = runtime.stats();
    nlohmann::json out = PredictionApiJson(runtime.Predict(r, {}), runtime.quantile());
    out["predictor"] = {{"learned", st.learned}, {"trainings", st.trainings}, {"has_model", st.has_model}};
    return HttpResponse::Json(out);
  });
  server.Get("/api/v1/predictor", [&runtime](const HttpRequest&) {
    const auto st = runtime.stats();
    return HttpResponse::Json({{"learned", st.learned},
                               {"trainings", st.trainings},
                               {"training_failures", st.training_failures},
                               {"model_errors", st.model_errors},
                               {"open_runs", st.pending},
                               {"open_runs_dropped", st.pending_dropped},
                               {"has_model", st.has_model},
                               {"last_error", st.last_error}});
  });
}

}  // namespace hostmind
