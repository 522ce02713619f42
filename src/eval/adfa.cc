#include "eval/adfa.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "eval/roc.h"
#include "learn/behaviour_profile.h"
#include "learn/gru_language_model.h"
#include "learn/sequence_models.h"

namespace hostmind {

namespace {

namespace fs = std::filesystem;
constexpr int kI386Syscalls = 400;  // symbols assumed for smoothing (the i386 table has ~350)

Result<std::vector<AdfaTrace>> ReadTraces(const fs::path& dir, bool attacks) {
  if (!fs::is_directory(dir)) return Status::NotFound(dir.string() + ": not a directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<AdfaTrace> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    AdfaTrace t;
    t.file = f.string();
    std::string word;
    while (in >> word) {
      char* end = nullptr;
      long nr = std::strtol(word.c_str(), &end, 10);
      if (*end != '\0' || nr < 0 || nr > 100000) return Status::Corrupt(t.file + ": '" + word + "' is not a syscall number");
      t.syscalls.push_back(static_cast<int32_t>(nr));
    }
    if (attacks) {
      // Attack_Data_Master/Hydra_FTP_3/UAD-Hydra-FTP-3-1.txt -> "Hydra_FTP"
      std::string run = f.parent_path().filename().string();
      size_t cut = run.rfind('_');
      t.attack = cut == std::string::npos ? run : run.substr(0, cut);
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) return Status::NotFound(dir.string() + ": no .txt traces");
  return out;
}

using Scorer = std::function<double(const std::vector<int32_t>&)>;
// Scores many traces at once (models that batch their arithmetic across traces).
using BatchScorer = std::function<std::vector<double>(const std::vector<AdfaTrace>&)>;

BatchScorer PerTrace(Scorer score) {
  return [score = std::move(score)](const std::vector<AdfaTrace>& traces) {
    std::vector<double> out;
    for (const auto& t : traces) out.push_back(score(t.syscalls));
    return out;
  };
}

std::vector<std::span<const int32_t>> Spans(const std::vector<AdfaTrace>& traces) {
  std::vector<std::span<const int32_t>> out;
  for (const auto& t : traces) out.emplace_back(t.syscalls);
  return out;
}

AdfaMethodResult Evaluate(const AdfaDataset& data, const std::vector<bool>& ordinary, std::string method,
                          std::string description,
                          const std::function<BatchScorer(const std::vector<AdfaTrace>&)>& train) {
  auto t0 = std::chrono::steady_clock::now();
  AdfaMethodResult r;
  r.method = std::move(method);
  r.description = std::move(description);
  BatchScorer score = train(data.train);
  std::vector<double> normal = score(data.validation), attack = score(data.attack);
  std::map<std::string, std::vector<double>> by_attack;
  for (size_t i = 0; i < data.attack.size(); ++i) by_attack[data.attack[i].attack].push_back(attack[i]);
  r.auc = RocAuc(normal, attack);
  r.detection_at_1pct = DetectionRateAtFpr(normal, attack, 0.01);
  r.detection_at_5pct = DetectionRateAtFpr(normal, attack, 0.05);
  for (const auto& [name, scores] : by_attack) r.auc_by_attack[name] = RocAuc(normal, scores);
  r.auc_ceiling = AucCeiling(normal, attack, ordinary);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace

Result<AdfaDataset> ReadAdfa(const std::string& dir) {
  AdfaDataset d;
  auto train = ReadTraces(fs::path(dir) / "Training_Data_Master", false);
  if (!train.ok()) return train.status();
  auto validation = ReadTraces(fs::path(dir) / "Validation_Data_Master", false);
  if (!validation.ok()) return validation.status();
  auto attack = ReadTraces(fs::path(dir) / "Attack_Data_Master", true);
  if (!attack.ok()) return attack.status();
  d.train = std::move(train).value();
  d.validation = std::move(validation).value();
  d.attack = std::move(attack).value();
  return d;
}

void MoveHalfOfValidationIntoTraining(AdfaDataset& data) {
  std::vector<AdfaTrace> kept;
  for (size_t i = 0; i < data.validation.size(); ++i)
    (i % 2 == 0 ? data.train : kept).push_back(std::move(data.validation[i]));
  data.validation = std::move(kept);
}

std::vector<bool> OrdinaryStartups(const AdfaDataset& data, size_t prefix) {
  std::set<std::vector<int32_t>> starts;
  for (const auto& t : data.train)
    if (t.syscalls.size() >= prefix) starts.emplace(t.syscalls.begin(), t.syscalls.begin() + prefix);
  std::vector<bool> out;
  for (const auto& t : data.attack)
    out.push_back(t.syscalls.size() >= prefix &&
                  starts.count(std::vector<int32_t>(t.syscalls.begin(), t.syscalls.begin() + prefix)) > 0);
  return out;
}

double AucCeiling(const std::vector<double>& normal, const std::vector<double>& attack, const std::vector<bool>& ordinary) {
  std::vector<double> moved = attack;
  for (size_t i = 0; i < moved.size(); ++i)
    if (i >= ordinary.size() || !ordinary[i]) moved[i] = std::numeric_limits<double>::infinity();
  return RocAuc(normal, moved);
}

std::vector<AdfaMethodResult> EvaluateAdfa(const AdfaDataset& data, const GruOptions& gru_options) {
  std::vector<AdfaMethodResult> out;
  const std::vector<bool> ordinary = OrdinaryStartups(data);
  // The two language models are trained once (by the first method using each) and shared.
  auto vmm = std::make_shared<NgramModel>(10, kI386Syscalls);
  auto gru = std::make_shared<GruLanguageModel>(gru_options);
  out.push_back(Evaluate(data, ordinary, "vmm10", "interpolated variable-order Markov model (orders 1-10, Witten-Bell), mean NLL",
                         [&](const std::vector<AdfaTrace>& train) -> BatchScorer {
                           for (const auto& t : train) vmm->Train(t.syscalls);
                           return PerTrace([vmm](const std::vector<int32_t>& s) { return vmm->MeanNll(s); });
                         }));
  out.push_back(Evaluate(data, ordinary, "gru",
                         "GRU language model (" + std::to_string(gru_options.hidden) + " units), mean NLL",
                         [&](const std::vector<AdfaTrace>& train) -> BatchScorer {
                           std::vector<std::vector<int32_t>> seqs;
                           for (const auto& t : train) seqs.push_back(t.syscalls);
                           gru->Train(seqs);
                           return [gru](const std::vector<AdfaTrace>& traces) { return gru->MeanNll(Spans(traces)); };
                         }));
  out.push_back(Evaluate(data, ordinary, "mix",
                         "vmm10 and gru mixed symbol by symbol (equal weights, not tuned), mean NLL",
                         [&](const std::vector<AdfaTrace>&) -> BatchScorer {
                           return [vmm, gru](const std::vector<AdfaTrace>& traces) {
                             auto probs = gru->Probabilities(Spans(traces));
                             std::vector<double> out;
                             for (size_t i = 0; i < traces.size(); ++i) {
                               const auto& s = traces[i].syscalls;
                               double sum = 0;
                               for (size_t k = 0; k < s.size(); ++k) sum -= std::log(0.5 * probs[i][k] + 0.5 * vmm->Probability(s, k));
                               out.push_back(s.empty() ? 0.0 : sum / static_cast<double>(s.size()));
                             }
                             return out;
                           };
                         }));
  out.push_back(Evaluate(data, ordinary, "stide6", "STIDE, window 6: fraction of unseen windows (baseline)",
                         [](const std::vector<AdfaTrace>& train) -> BatchScorer {
                           auto m = std::make_shared<Stide>(6);
                           for (const auto& t : train) m->Train(t.syscalls);
                           return PerTrace([m](const std::vector<int32_t>& s) { return m->MismatchRate(s); });
                         }));
  out.push_back(Evaluate(data, ordinary, "markov5", "order-5 Markov chain, add-one smoothing, mean NLL (baseline)",
                         [](const std::vector<AdfaTrace>& train) -> BatchScorer {
                           auto m = std::make_shared<MarkovChain>(5, kI386Syscalls);
                           for (const auto& t : train) m->Train(t.syscalls);
                           return PerTrace([m](const std::vector<int32_t>& s) { return m->MeanNll(s); });
                         }));
  out.push_back(Evaluate(data, ordinary, "profile",
                         "the live agent's view: in-kernel aggregate (syscall counts + 3-gram sketch), "
                         "distance to the nearest learned mix",
                         [](const std::vector<AdfaTrace>& train) -> BatchScorer {
                           auto p = std::make_shared<BehaviourProfile>();
                           for (const auto& t : train) p->LearnMix(MixFromSequence(t.syscalls));
                           return PerTrace([p](const std::vector<int32_t>& s) { return p->Distance(MixFromSequence(s)).value_or(1); });
                         }));
  return out;
}

}  // namespace hostmind
