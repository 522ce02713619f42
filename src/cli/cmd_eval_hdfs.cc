// hostmind eval hdfs: session anomaly detection on DeepLog's HDFS split.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/hdfs.h"

namespace hostmind::cli {
namespace {

struct HdfsOptions {
  std::string data;
  bool json = false;
};

int RunEvalHdfs(const HdfsOptions& opt) {
  std::string data = opt.data.empty() ? "../shared/data/logs/HDFS" : opt.data;
  if (!std::filesystem::is_directory(data)) {
    std::fprintf(stderr, "hostmind: no HDFS session data at %s (give --data DIR)\n", data.c_str());
    return 2;
  }
  auto r = EvaluateHdfs(data);
  if (!r.ok()) {
    std::fprintf(stderr, "hostmind: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("train %zu normal sessions; test %zu held-out normal + %zu abnormal\n", r->train_sessions,
              r->heldout_normal, r->abnormal);
  std::printf("F1 at DeepLog's mix (%.0f normal : %.0f abnormal); DeepLog published 0.96, LogRobust 0.98\n",
              kDeepLogNormalSessions, kDeepLogAbnormalSessions);
  std::printf("%-20s %6s %9s %9s %9s %9s %12s\n", "model", "FP", "FPR", "recall", "precision", "F1", "sessions/s");
  nlohmann::ordered_json models;
  for (const SessionModelScore& m : r->models) {
    std::printf("%-20s %6zu %9.5f %9.5f %9.5f %9.5f %12.0f\n", m.model.c_str(), m.false_positives, m.fpr, m.recall,
                m.precision, m.f1, m.sessions_per_s);
    models[m.model] = {{"false_positives", m.false_positives}, {"fpr", m.fpr},      {"recall", m.recall},
                       {"precision", m.precision},             {"f1", m.f1},        {"sessions_per_s", m.sessions_per_s}};
  }
  if (opt.json) {
    const SessionModelScore& head = r->models.front();
    nlohmann::ordered_json out;
    out["model"] = head.model;
    out["fpr"] = head.fpr;
    out["recall"] = head.recall;
    out["f1"] = head.f1;
    out["train_sessions"] = r->train_sessions;
    out["heldout_normal"] = r->heldout_normal;
    out["abnormal"] = r->abnormal;
    out["models"] = models;
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

}  // namespace

void AddEvalHdfsCommand(CLI::App& eval, int& exit_code) {
  static HdfsOptions opt;
  auto* cmd = eval.add_subcommand("hdfs", "Session anomalies on DeepLog's HDFS split: FPR, recall, F1 at DeepLog's mix");
  cmd->add_option("--data", opt.data, "folder with hdfs_train and hdfs_test_abnormal (default ../shared/data/logs/HDFS)");
  cmd->add_flag("--json", opt.json, "end with one JSON object of the headline figures");
  cmd->callback([&exit_code] { exit_code = RunEvalHdfs(opt); });
}

}  // namespace hostmind::cli
