#include "eval/nab_corpus.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/csv.h"

namespace hostmind {

namespace fs = std::filesystem;

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseInt(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<double> ParseDouble(const std::string& s, const std::string& where) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return Status::Corrupt(where + ": bad number '" + s + "'");
  return v;
}

Result<std::vector<CsvRow>> ReadCsv(const std::string& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  auto rows = ParseCsv(*text);
  if (!rows.ok()) return Status::Corrupt(path + ": " + rows.status().message());
  return rows;
}

Result<NabDataFile> LoadDataFile(const fs::path& path, const std::string& relative) {
  auto parsed = ReadCsv(path.string());
  if (!parsed.ok()) return parsed.status();
  const auto& rows = *parsed;
  if (rows.empty() || rows[0].size() < 2 || rows[0][0] != "timestamp")
    return Status::Corrupt(path.string() + ": expected a 'timestamp,value' header");
  NabDataFile file;
  file.relative_path = relative;
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string where = path.string() + ":" + std::to_string(i + 1);
    if (rows[i].size() < 2) return Status::Corrupt(where + ": expected two fields");
    auto ts = ParseNabTimestamp(rows[i][0]);
    if (!ts.ok()) return Status::Corrupt(where + ": " + ts.status().message());
    auto v = ParseDouble(rows[i][1], where);
    if (!v.ok()) return v.status();
    file.timestamps.push_back(*ts);
    file.values.push_back(*v);
  }
  return file;
}

Result<size_t> RowOf(const NabDataFile& file, const std::string& stamp) {
  auto ts = ParseNabTimestamp(stamp);
  if (!ts.ok()) return ts.status();
  auto it = std::find(file.timestamps.begin(), file.timestamps.end(), *ts);
  if (it == file.timestamps.end())
    return Status::Corrupt(file.relative_path + ": window edge " + stamp + " is not a row's timestamp");
  return static_cast<size_t>(it - file.timestamps.begin());
}

}  // namespace

size_t NabCorpus::window_count() const {
  size_t n = 0;
  for (const auto& f : files) n += f.windows.size();
  return n;
}

Result<int64_t> ParseNabTimestamp(const std::string& text) {
  // YYYY-MM-DD HH:MM:SS, optionally followed by a fraction, which NAB's rows never have.
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':')
    return Status::Corrupt("bad timestamp '" + text + "'");
  std::string_view s(text);
  int y, mo, d, h, mi, sec;
  if (!ParseInt(s.substr(0, 4), y) || !ParseInt(s.substr(5, 2), mo) || !ParseInt(s.substr(8, 2), d) ||
      !ParseInt(s.substr(11, 2), h) || !ParseInt(s.substr(14, 2), mi) || !ParseInt(s.substr(17, 2), sec) ||
      mo < 1 || mo > 12 || d < 1 || d > 31)
    return Status::Corrupt("bad timestamp '" + text + "'");
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec;
}

Result<NabCorpus> LoadNabCorpus(const std::string& root) {
  const fs::path data = fs::path(root) / "data";
  const fs::path windows_path = fs::path(root) / "labels" / "combined_windows.json";
  std::error_code ec;
  if (!fs::is_directory(data, ec)) return Status::NotFound(data.string() + ": not a directory (expected NAB's data/)");
  auto windows_text = ReadTextFile(windows_path.string());
  if (!windows_text.ok()) return windows_text.status();
  nlohmann::json windows = nlohmann::json::parse(*windows_text, nullptr, /*allow_exceptions=*/false);
  if (!windows.is_object()) return Status::Corrupt(windows_path.string() + ": expected a JSON object");

  NabCorpus corpus;
  for (const auto& category : fs::directory_iterator(data, ec)) {
    if (!category.is_directory()) continue;
    for (const auto& entry : fs::directory_iterator(category.path(), ec)) {
      if (entry.path().extension() != ".csv") continue;
      const std::string relative = category.path().filename().string() + "/" + entry.path().filename().string();
      auto file = LoadDataFile(entry.path(), relative);
      if (!file.ok()) return file.status();
      corpus.files.push_back(std::move(*file));
    }
  }
  if (ec) return Status::IoError("list " + data.string() + ": " + ec.message());
  if (corpus.files.empty()) return Status::NotFound(data.string() + ": no <category>/*.csv files");
  std::sort(corpus.files.begin(), corpus.files.end(),
            [](const NabDataFile& a, const NabDataFile& b) { return a.relative_path < b.relative_path; });

  for (NabDataFile& file : corpus.files) {
    auto it = windows.find(file.relative_path);
    if (it == windows.end()) return Status::Corrupt(windows_path.string() + ": no entry for " + file.relative_path);
    for (const auto& limits : *it) {
      if (!limits.is_array() || limits.size() != 2 || !limits[0].is_string() || !limits[1].is_string())
        return Status::Corrupt(windows_path.string() + ": " + file.relative_path + ": expected [start, end] pairs");
      auto first = RowOf(file, limits[0].get<std::string>());
      if (!first.ok()) return first.status();
      auto last = RowOf(file, limits[1].get<std::string>());
      if (!last.ok()) return last.status();
      if (*last < *first) return Status::Corrupt(file.relative_path + ": window ends before it starts");
      file.windows.push_back({*first, *last});
    }
    std::sort(file.windows.begin(), file.windows.end(),
              [](const NabWindow& a, const NabWindow& b) { return a.first < b.first; });
    for (size_t i = 1; i < file.windows.size(); ++i) {
      if (file.windows[i].first <= file.windows[i - 1].last)
        return Status::Corrupt(file.relative_path + ": overlapping windows");
    }
  }
  return corpus;
}

Result<NabPublished> LoadNabPublished(const std::string& path) {
  NabPublished out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corrupt(path + ": expected a JSON object");
  for (const auto& [detector, profiles] : j.items()) {
    if (!profiles.is_object()) continue;
    for (const auto& [profile, score] : profiles.items()) {
      if (score.is_number()) out[detector][profile] = score.get<double>();
    }
  }
  return out;
}

Result<std::vector<double>> LoadNabScores(const std::string& path, const NabDataFile& file) {
  auto parsed = ReadCsv(path);
  if (!parsed.ok()) return parsed.status();
  const auto& rows = *parsed;
  if (rows.empty()) return Status::Corrupt(path + ": empty");
  const auto& header = rows[0];
  auto col = std::find(header.begin(), header.end(), "anomaly_score");
  if (header.empty() || header[0] != "timestamp" || col == header.end())
    return Status::Corrupt(path + ": expected 'timestamp' and 'anomaly_score' columns");
  const size_t score_col = static_cast<size_t>(col - header.begin());
  if (rows.size() - 1 != file.timestamps.size())
    return Status::Corrupt(path + ": " + std::to_string(rows.size() - 1) + " rows, the data file has " +
                           std::to_string(file.timestamps.size()));
  std::vector<double> scores;
  scores.reserve(rows.size() - 1);
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string where = path + ":" + std::to_string(i + 1);
    if (rows[i].size() <= score_col) return Status::Corrupt(where + ": missing anomaly_score");
    auto ts = ParseNabTimestamp(rows[i][0]);
    if (!ts.ok() || *ts != file.timestamps[i - 1]) return Status::Corrupt(where + ": timestamp differs from the data file");
    auto v = ParseDouble(rows[i][score_col], where);
    if (!v.ok()) return v.status();
    scores.push_back(*v);
  }
  return scores;
}

}  // namespace hostmind
