#pragma once
// The Loghub-2k evaluation: each dataset's log is split with its header format, every message
// goes through the template miner (the same code as the live agent, one configuration for
// every dataset), and the result is scored against the ground truth.
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "eval/parse_scores.h"
#include "learn/template_miner.h"

namespace hostmind {

struct LoghubResult {
  std::string name;
  size_t messages = 0;         // lines that matched the header format, all scored
  size_t truth_templates = 0;  // distinct events in the ground truth
  size_t templates = 0;        // templates the miner ended with
  GroupingScore grouping;
  double parsing_accuracy = -1;  // against *_corrected.csv; < 0 when that file is missing
  double lines_per_s = 0;  // template mining alone, per CPU-second of one thread, from an empty miner
  GroupingScore drain;     // the baseline (drain_baseline.h), same messages
  double drain_lines_per_s = 0;
  // Per message: the text, the template id it ended in, and that template's text.
  std::vector<std::string> messages_text, parsed_ids, parsed_templates;
};

// Writes `r` as logparser's <name>_2k.log_structured.csv (LineId,Content,EventId,EventTemplate).
Status WriteLoghubStructured(const LoghubResult& r, const std::string& path);

// `dataset<TAB>format` lines, with a header line.
Result<std::map<std::string, std::string>> ReadLoghubFormats(const std::string& path);
// Names of the folders of `dir` that hold <Name>/<Name>_2k.log, sorted.
std::vector<std::string> FindLoghubDatasets(const std::string& dir);
// Runs and scores one dataset, <dir>/<name>/<name>_2k.log*.
Result<LoghubResult> EvaluateLoghubDataset(const std::string& dir, const std::string& name,
                                           const std::string& format, const TemplateMinerConfig& config);

}  // namespace hostmind
