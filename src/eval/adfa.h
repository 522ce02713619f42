#pragma once
// ADFA-LD (Creech and Hu, 2013): system-call traces of normal use and of six attacks on an
// Ubuntu server, in the i386 numbering. The evaluation trains on Training_Data_Master,
// then scores Validation_Data_Master (normal) against Attack_Data_Master, for hostmind's
// sequence model and for the baselines, with the same learn/ code the agent uses.
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "learn/gru_language_model.h"

namespace hostmind {

struct AdfaTrace {
  std::string file;
  std::string attack;  // "Adduser", "Hydra_FTP", ...; "" for normal traces
  std::vector<int32_t> syscalls;
};

struct AdfaDataset {
  std::vector<AdfaTrace> train, validation, attack;
};

// Reads DIR/{Training,Validation,Attack}_Data_Master. Files are sorted by path, so runs are
// reproducible; a file that is not a list of numbers is an error naming it.
Result<AdfaDataset> ReadAdfa(const std::string& dir);

struct AdfaMethodResult {
  std::string method;       // "vmm10", "gru", "mix", "stide6", "markov5", "profile"
  std::string description;
  double auc = 0;
  double detection_at_1pct = 0;
  double detection_at_5pct = 0;
  std::map<std::string, double> auc_by_attack;
  // The AUC this method would reach if every attack trace other than the ordinary start-ups
  // (below) outranked every normal trace: how far it could go on this split at best.
  double auc_ceiling = 0;
  double seconds = 0;  // training + scoring
};

// Marks the attack traces that begin with the same first `prefix` calls as some training trace:
// the start-up of an ordinary program (on ADFA-LD, the tools and shells an attack ran). A model
// of normal call sequences sees an ordinary program in them; only context the bare traces do
// not carry (which process started it) would tell them apart.
std::vector<bool> OrdinaryStartups(const AdfaDataset& data, size_t prefix = 40);

// RocAuc(normal, attack) with every attack not flagged in `ordinary` moved above all normals.
double AucCeiling(const std::vector<double>& normal, const std::vector<double>& attack, const std::vector<bool>& ordinary);

// A bound, not the benchmark's split: what more normal data would buy. Every second validation
// trace (by path order) joins the training set, so the models learn from 3.6x the normal traces
// and are scored on the other half of the validation set against every attack.
void MoveHalfOfValidationIntoTraining(AdfaDataset& data);

// Trains each method on the training traces only and scores the rest. hostmind's model comes
// first; `gru` sizes its recurrent model (smaller for tests).
std::vector<AdfaMethodResult> EvaluateAdfa(const AdfaDataset& data, const GruOptions& gru = {});

}  // namespace hostmind
