#include "eval/hdfs.h"

#include <chrono>
#include <functional>

#include "eval/csv.h"
#include "learn/next_template_model.h"
#include "learn/session_profile.h"

namespace hostmind {
namespace {

using Session = std::vector<TemplateId>;

Result<std::vector<Session>> ReadSessions(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  std::vector<Session> sessions;
  Session current;
  uint64_t value = 0;
  bool in_number = false;
  for (char c : *text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value >= UINT32_MAX) return Status::Corrupt(path + ": template number out of range");
      in_number = true;
      continue;
    }
    if (in_number) current.push_back(static_cast<TemplateId>(value));
    in_number = false;
    value = 0;
    if (c == '\n') {
      if (!current.empty()) sessions.push_back(std::move(current));
      current.clear();
    } else if (c != ' ' && c != '\t' && c != '\r') {
      return Status::Corrupt(path + ": unexpected character in a session line");
    }
  }
  if (in_number) current.push_back(static_cast<TemplateId>(value));
  if (!current.empty()) sessions.push_back(std::move(current));
  if (sessions.empty()) return Status::Corrupt(path + ": no sessions");
  return sessions;
}

SessionModelScore Score(const std::string& name, const std::vector<Session>& normal,
                        const std::vector<Session>& abnormal, const std::function<bool(const Session&)>& flags) {
  SessionModelScore s;
  s.model = name;
  auto start = std::chrono::steady_clock::now();
  for (const Session& x : normal) s.false_positives += flags(x);
  for (const Session& x : abnormal) s.detected += flags(x);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s.sessions_per_s = took > 0 ? static_cast<double>(normal.size() + abnormal.size()) / took : 0;
  s.fpr = static_cast<double>(s.false_positives) / static_cast<double>(normal.size());
  s.recall = static_cast<double>(s.detected) / static_cast<double>(abnormal.size());
  ScoreAtMix(s.fpr, s.recall, kDeepLogNormalSessions, kDeepLogAbnormalSessions, &s.precision, &s.f1);
  return s;
}

}  // namespace

void ScoreAtMix(double fpr, double recall, double normal, double abnormal, double* precision, double* f1) {
  double tp = recall * abnormal, fp = fpr * normal;
  *precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  *f1 = *precision + recall > 0 ? 2 * *precision * recall / (*precision + recall) : 0;
}

Result<HdfsResult> EvaluateHdfs(const std::string& dir) {
  auto normal = ReadSessions(dir + "/hdfs_train");
  if (!normal.ok()) return normal.status();
  auto abnormal = ReadSessions(dir + "/hdfs_test_abnormal");
  if (!abnormal.ok()) return abnormal.status();
  const size_t half = normal->size() / 2;
  std::vector<Session> train(normal->begin(), normal->begin() + half);
  std::vector<Session> heldout(normal->begin() + half, normal->end());
  if (train.empty() || heldout.empty()) return Status::Corrupt(dir + "/hdfs_train: too few sessions to split");

  SessionProfile profile;
  NextTemplateModel next;  // DeepLog's top-k check, n-gram instead of LSTM
  for (const Session& s : train) {
    profile.Learn(s);
    next.LearnSession(s);
  }
  HdfsResult r;
  r.train_sessions = train.size();
  r.heldout_normal = heldout.size();
  r.abnormal = abnormal->size();
  auto by_profile = [&](const Session& s) { return !profile.Check(s).empty(); };
  auto by_next = [&](const Session& s) { return next.FirstUnexpected(s) >= 0; };
  r.models.push_back(Score("session_profile", heldout, *abnormal, by_profile));
  r.models.push_back(Score("next_template", heldout, *abnormal, by_next));
  r.models.push_back(Score("either", heldout, *abnormal, [&](const Session& s) { return by_profile(s) || by_next(s); }));
  return r;
}

}  // namespace hostmind
