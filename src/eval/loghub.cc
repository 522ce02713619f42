#include "eval/loghub.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstdio>
#include <filesystem>

#include "core/text.h"
#include "eval/csv.h"
#include "eval/drain_baseline.h"
#include "eval/log_format.h"

namespace hostmind {
namespace {

// The column `name` of a CSV table with a header row, one value per data row.
Result<std::vector<std::string>> Column(const std::vector<CsvRow>& rows, const std::string& name,
                                        const std::string& path) {
  if (rows.empty()) return Status::Corrupt(path + ": empty");
  auto it = std::find(rows[0].begin(), rows[0].end(), name);
  if (it == rows[0].end()) return Status::Corrupt(path + ": no column " + name);
  size_t col = it - rows[0].begin();
  std::vector<std::string> out;
  for (size_t i = 1; i < rows.size(); ++i) out.push_back(col < rows[i].size() ? rows[i][col] : "");
  return out;
}

Result<std::vector<CsvRow>> ReadCsvFile(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseCsv(*text);
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `mine` (one pass over all messages from an empty state) until at least `min_seconds` of
// this thread's CPU time have passed: lines per CPU-second, i.e. on one core, whatever else the
// machine is running.
template <typename Mine>
double MeasureThroughput(size_t messages, double min_seconds, Mine mine) {
  size_t lines = 0;
  const double start = ThreadCpuSeconds();
  double elapsed = 0;
  do {
    mine();
    lines += messages;
    elapsed = ThreadCpuSeconds() - start;
  } while (elapsed < min_seconds);
  return elapsed > 0 ? static_cast<double>(lines) / elapsed : 0;
}

std::string CsvField(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Status WriteLoghubStructured(const LoghubResult& r, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return Status::FromErrno(errno, "open " + path);
  std::fprintf(f, "LineId,Content,EventId,EventTemplate\n");
  for (size_t i = 0; i < r.messages_text.size(); ++i)
    std::fprintf(f, "%zu,%s,%s,%s\n", i + 1, CsvField(r.messages_text[i]).c_str(), r.parsed_ids[i].c_str(),
                 CsvField(r.parsed_templates[i]).c_str());
  if (std::fclose(f) != 0) return Status::FromErrno(errno, "write " + path);
  return Status::Ok();
}

Result<std::map<std::string, std::string>> ReadLoghubFormats(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  std::map<std::string, std::string> formats;
  bool header = true;
  for (std::string_view line : SplitLines(*text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (header || line.empty()) {
      header = false;
      continue;
    }
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return Status::Corrupt(path + ": line without a tab: " + std::string(line));
    formats.emplace(std::string(line.substr(0, tab)), std::string(line.substr(tab + 1)));
  }
  return formats;
}

std::vector<std::string> FindLoghubDatasets(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (std::filesystem::exists(entry.path() / (name + "_2k.log"), ec)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<LoghubResult> EvaluateLoghubDataset(const std::string& dir, const std::string& name,
                                           const std::string& format, const TemplateMinerConfig& config) {
  const std::string base = dir + "/" + name + "/" + name + "_2k.log";
  auto parsed_format = LogFormat::Parse(format);
  if (!parsed_format.ok()) return parsed_format.status();
  auto log = ReadTextFile(base);
  if (!log.ok()) return log.status();
  auto truth_rows = ReadCsvFile(base + "_structured.csv");
  if (!truth_rows.ok()) return truth_rows.status();
  auto truth_ids = Column(*truth_rows, "EventId", base + "_structured.csv");
  if (!truth_ids.ok()) return truth_ids.status();

  const int content = parsed_format->FieldIndex("Content");
  if (content < 0) return Status::InvalidArgument("format of " + name + " has no <Content>");
  std::vector<std::string_view> messages, fields;
  for (std::string_view line : SplitLines(*log))
    if (parsed_format->Match(line, fields)) messages.push_back(fields[content]);
  if (messages.size() != truth_ids->size())
    return Status::Corrupt(name + ": " + std::to_string(messages.size()) + " lines match the header format but the " +
                           "ground truth has " + std::to_string(truth_ids->size()) + " rows");

  TemplateMiner miner(config);
  std::vector<TemplateId> ids;
  ids.reserve(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) ids.push_back(miner.Add(messages[i], static_cast<TimeMs>(i)).id);
  std::vector<std::string> labels, texts;
  for (TemplateId id : ids) {
    TemplateId final_id = miner.Resolve(id);
    labels.push_back(std::to_string(final_id));
    auto info = miner.Info(final_id);
    texts.push_back(info ? info->text : "");
  }

  LoghubResult r;
  r.name = name;
  r.messages = messages.size();
  r.templates = miner.stats().templates;
  std::vector<std::string> distinct = *truth_ids;
  std::sort(distinct.begin(), distinct.end());
  r.truth_templates = std::unique(distinct.begin(), distinct.end()) - distinct.begin();
  r.grouping = ScoreGrouping(*truth_ids, labels);
  const std::string corrected = base + "_structured_corrected.csv";
  if (std::filesystem::exists(corrected)) {
    auto rows = ReadCsvFile(corrected);
    if (!rows.ok()) return rows.status();
    auto truth_texts = Column(*rows, "EventTemplate", corrected);
    if (!truth_texts.ok()) return truth_texts.status();
    if (truth_texts->size() != messages.size()) return Status::Corrupt(corrected + ": row count differs from the log");
    r.parsing_accuracy = ParsingAccuracy(*truth_texts, texts);
  }
  r.lines_per_s = MeasureThroughput(messages.size(), 0.3, [&] {
    TemplateMiner fresh(config);
    for (size_t i = 0; i < messages.size(); ++i) fresh.Add(messages[i], static_cast<TimeMs>(i));
  });
  std::vector<std::string> drain_labels;
  DrainBaseline drain;
  for (std::string_view m : messages) drain_labels.push_back(std::to_string(drain.Add(m)));
  r.drain = ScoreGrouping(*truth_ids, drain_labels);
  r.drain_lines_per_s = MeasureThroughput(messages.size(), 0.3, [&] {
    DrainBaseline fresh;
    for (std::string_view m : messages) fresh.Add(m);
  });
  r.messages_text.assign(messages.begin(), messages.end());
  r.parsed_ids = std::move(labels);
  r.parsed_templates = std::move(texts);
  return r;
}

}  // namespace hostmind
