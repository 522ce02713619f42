#include "detect/log_signals.h"

#include <cctype>

namespace hostmind {
namespace {

bool Has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// "Nov 25 00:12:01 " at the start.
size_t SyslogStampLength(std::string_view s) {
  if (s.size() < 16 || !IsAlpha(s[0]) || !IsAlpha(s[1]) || !IsAlpha(s[2]) || s[3] != ' ') return 0;
  if (!(s[4] == ' ' || IsDigit(s[4])) || !IsDigit(s[5]) || s[6] != ' ') return 0;
  if (!IsDigit(s[7]) || !IsDigit(s[8]) || s[9] != ':' || s[12] != ':' || s[15] != ' ') return 0;
  return 16;
}

// "2026-11-25T00:12:01.123456+00:00 " at the start.
size_t Rfc3339StampLength(std::string_view s) {
  if (s.size() < 20 || !IsDigit(s[0]) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':') return 0;
  size_t space = s.find(' ');
  return space == std::string_view::npos ? 0 : space + 1;
}

bool IsUuid(std::string_view p) {
  if (p.size() != 36) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? p[i] != '-' : !IsHex(p[i])) return false;
  }
  return true;
}

bool IsPrefixedId(std::string_view p) {
  size_t us = p.find('_');
  if (us == 0 || us == std::string_view::npos || us + 1 >= p.size()) return false;
  for (size_t i = 0; i < us; ++i)
    if (!IsAlpha(p[i])) return false;
  size_t i = us + 1;
  if (p[i] == '-') ++i;
  return i < p.size() && IsDigit(p[i]);
}

}  // namespace

std::optional<std::string> FailureKindOf(const LogRecord& log) {
  std::string_view m = log.message;
  if (Has(m, "Killed process") && (Has(m, "Out of memory") || Has(m, "out of memory") || Has(m, "oom")))
    return "oom_kill";
  if (Has(m, "I/O error") || Has(m, "critical medium error") || Has(m, "EXT4-fs error") ||
      (Has(m, "XFS (") && Has(m, "metadata I/O error")))
    return "io_error";
  if (Has(m, " segfault at ") || Has(m, "general protection fault") || Has(m, "core dumped")) return "segfault";
  if (Has(m, "Kernel panic") || Has(m, "BUG: ") || Has(m, "Oops: ") || Has(m, "soft lockup")) return "kernel_bug";
  if (Has(m, "blocked for more than")) return "hung_task";
  if (log.source == LogSource::kJournal || log.source == LogSource::kFile) {
    if (Has(m, "Failed with result") || Has(m, "entered failed state") || Has(m, "Failed to start ")) return "unit_failed";
    if (Has(m, "Scheduled restart job")) return "unit_restart";
  }
  return std::nullopt;
}

std::string_view StripSyslogHeader(std::string_view line) {
  size_t stamp = SyslogStampLength(line);
  if (stamp == 0) stamp = Rfc3339StampLength(line);
  if (stamp == 0) return line;
  std::string_view rest = line.substr(stamp);
  size_t host_end = rest.find(' ');
  if (host_end == std::string_view::npos) return line;
  rest = rest.substr(host_end + 1);  // after the host
  size_t colon = rest.find(": ");
  size_t space = rest.find(' ');
  // "prog[pid]: msg" or "prog: msg": the tag is one word ending in ':'.
  if (colon == std::string_view::npos || (space != std::string_view::npos && space < colon)) return rest;
  return rest.substr(colon + 2);
}

std::optional<std::string_view> SessionIdOf(const std::vector<std::string_view>& params) {
  for (std::string_view p : params) {
    while (!p.empty() && std::string_view("([{<'\"/").find(p.front()) != std::string_view::npos) p.remove_prefix(1);
    while (!p.empty() && std::string_view(")]}>'\",.:;").find(p.back()) != std::string_view::npos) p.remove_suffix(1);
    if (IsPrefixedId(p) || IsUuid(p)) return p;
  }
  return std::nullopt;
}

}  // namespace hostmind
