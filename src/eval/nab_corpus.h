#pragma once
// The NAB corpus on disk (numenta/NAB layout): data/<category>/<file>.csv ("timestamp,value"),
// labels/combined_windows.json (anomaly windows per file), and detector outputs
// results/<detector>/<category>/<detector>_<file>.csv ("timestamp,anomaly_score,...").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/nab_scorer.h"

namespace hostmind {

struct NabDataFile {
  std::string relative_path;        // "realKnownCause/nyc_taxi.csv"
  std::vector<int64_t> timestamps;  // seconds since the epoch, UTC
  std::vector<double> values;
  std::vector<NabWindow> windows;   // sorted, disjoint
};

struct NabCorpus {
  std::vector<NabDataFile> files;  // sorted by relative_path
  size_t window_count() const;
};

// Loads root/data and root/labels/combined_windows.json. Every window edge must be a row's
// timestamp (NAB silently drops a window that is not, and every later one in the file).
Result<NabCorpus> LoadNabCorpus(const std::string& root);

// Reads the anomaly_score column of one detector output file; its timestamps must be the data
// file's, row for row.
Result<std::vector<double>> LoadNabScores(const std::string& path, const NabDataFile& file);

// NAB's published normalised scores (results/final_results.json): detector -> profile name
// ("standard", "reward_low_FP_rate", ...) -> score. Empty when the file is absent.
using NabPublished = std::map<std::string, std::map<std::string, double>>;
Result<NabPublished> LoadNabPublished(const std::string& path);

// "2014-04-10 07:15:00[.000000]" -> seconds since the epoch (UTC).
Result<int64_t> ParseNabTimestamp(const std::string& text);

}  // namespace hostmind
