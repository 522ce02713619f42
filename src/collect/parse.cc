#include "collect/parse.h"

#include <charconv>
#include <cstdlib>

namespace hostmind {

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseI64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

std::map<std::string, uint64_t, std::less<>> ParseKeyValueKb(std::string_view text, int* bad_lines) {
  std::map<std::string, uint64_t, std::less<>> out;
  for (auto line : SplitLines(text)) {
    size_t colon = line.find(':');
    auto fields = SplitFields(colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1));
    std::optional<uint64_t> v = fields.empty() ? std::nullopt : ParseU64(fields[0]);
    if (!v || fields.size() > 2 || (fields.size() == 2 && fields[1] != "kB")) {
      if (!line.empty()) ++*bad_lines;
      continue;
    }
    out[std::string(line.substr(0, colon))] = fields.size() == 2 ? *v * 1024 : *v;
  }
  return out;
}

std::map<std::string, uint64_t, std::less<>> ParseKeyValue(std::string_view text, int* bad_lines) {
  std::map<std::string, uint64_t, std::less<>> out;
  for (auto line : SplitLines(text)) {
    auto fields = SplitFields(line);
    std::optional<uint64_t> v = fields.size() == 2 ? ParseU64(fields[1]) : std::nullopt;
    if (!v) {
      if (!line.empty()) ++*bad_lines;
      continue;
    }
    out[std::string(fields[0])] = *v;
  }
  return out;
}

std::optional<double> RateTracker::Delta(const std::string& key, double value, TimeMs now) {
  auto [it, inserted] = last_.try_emplace(key, Last{value, now});
  if (inserted) return std::nullopt;
  Last prev = it->second;
  it->second = Last{value, now};
  if (value < prev.value || now <= prev.ts) return std::nullopt;
  return value - prev.value;
}

std::optional<double> RateTracker::Rate(const std::string& key, double value, TimeMs now) {
  auto it = last_.find(key);
  TimeMs prev_ts = it == last_.end() ? now : it->second.ts;
  auto d = Delta(key, value, now);
  if (!d) return std::nullopt;
  return *d * 1000.0 / static_cast<double>(now - prev_ts);
}

void RateTracker::ForgetOlderThan(TimeMs before) {
  std::erase_if(last_, [before](const auto& kv) { return kv.second.ts < before; });
}

}  // namespace hostmind
