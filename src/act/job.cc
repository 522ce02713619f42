#include "act/job.h"

namespace hostmind {
namespace {

constexpr JobState kStates[] = {JobState::kQueued, JobState::kRunning,   JobState::kDone, JobState::kFailed,
                                JobState::kCancelled, JobState::kKilled, JobState::kLost};

}  // namespace

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
    case JobState::kKilled: return "killed";
    case JobState::kLost: return "lost";
  }
  return "?";
}

bool JobStateFinal(JobState state) { return state != JobState::kQueued && state != JobState::kRunning; }

SchedJob Job::ToSchedJob() const {
  SchedJob s;
  s.id = id;
  s.submit_ts = submit_ts;
  s.need = Resources{spec.cpus, spec.mem_bytes};
  s.limit_ms = spec.limit_ms;
  s.predicted_ms = predicted_ms;
  s.upper_ms = upper_ms;
  s.start_ts = start_ts;
  return s;
}

nlohmann::json JobToJson(const Job& job) {
  const JobSpec& s = job.spec;
  return {{"id", job.id},
          {"state", JobStateName(job.state)},
          {"argv", s.argv},
          {"cwd", s.cwd},
          {"env", s.env},
          {"uid", s.uid},
          {"gid", s.gid},
          {"user", s.user},
          {"cpus", s.cpus},
          {"mem_bytes", s.mem_bytes},
          {"limit_ms", s.limit_ms},
          {"submit_ts", job.submit_ts},
          {"start_ts", job.start_ts},
          {"end_ts", job.end_ts},
          {"exit_code", job.exit_code},
          {"pid", job.pid},
          {"pid_start_ticks", job.pid_start_ticks},
          {"predicted_ms", job.predicted_ms},
          {"upper_ms", job.upper_ms},
          {"prediction_source", job.prediction_source},
          {"backfilled", job.backfilled},
          {"reason", job.reason},
          {"dir", job.dir}};
}

Result<Job> JobFromJson(const nlohmann::json& j) {
  try {
    Job job;
    job.id = j.at("id").get<uint64_t>();
    const std::string state = j.at("state").get<std::string>();
    bool known = false;
    for (JobState s : kStates)
      if (state == JobStateName(s)) {
        job.state = s;
        known = true;
      }
    if (!known) return Status::Corrupt("job " + std::to_string(job.id) + ": unknown state '" + state + "'");
    JobSpec& s = job.spec;
    s.argv = j.at("argv").get<std::vector<std::string>>();
    s.cwd = j.at("cwd").get<std::string>();
    s.env = j.at("env").get<std::vector<std::string>>();
    s.uid = j.at("uid").get<uint32_t>();
    s.gid = j.at("gid").get<uint32_t>();
    s.user = j.at("user").get<std::string>();
    s.cpus = j.at("cpus").get<double>();
    s.mem_bytes = j.at("mem_bytes").get<uint64_t>();
    s.limit_ms = j.at("limit_ms").get<TimeMs>();
    job.submit_ts = j.at("submit_ts").get<TimeMs>();
    job.start_ts = j.at("start_ts").get<TimeMs>();
    job.end_ts = j.at("end_ts").get<TimeMs>();
    job.exit_code = j.at("exit_code").get<int>();
    job.pid = j.at("pid").get<int32_t>();
    job.pid_start_ticks = j.at("pid_start_ticks").get<uint64_t>();
    job.predicted_ms = j.at("predicted_ms").get<TimeMs>();
    job.upper_ms = j.at("upper_ms").get<TimeMs>();
    job.prediction_source = j.at("prediction_source").get<std::string>();
    job.backfilled = j.at("backfilled").get<bool>();
    job.reason = j.at("reason").get<std::string>();
    job.dir = j.at("dir").get<std::string>();
    return job;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("job record: ") + e.what());
  }
}

}  // namespace hostmind
