#include "learn/log_tokenizer.h"

#include <array>
#include <cstring>

namespace hostmind {
namespace {

enum : uint8_t { kSpace = 1, kDigit = 2, kAlpha = 4, kEquals = 8, kColon = 16 };

constexpr std::array<uint8_t, 256> MakeClassTable() {
  std::array<uint8_t, 256> t{};
  for (char c : {' ', '\t', '\n', '\r', '\v', '\f'}) t[static_cast<uint8_t>(c)] = kSpace;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kAlpha;
  t['='] = kEquals;
  t[':'] = kColon;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClassTable();
constexpr std::string_view kMask = "<*>";

inline uint8_t ClassOf(char c) { return kClass[static_cast<uint8_t>(c)]; }

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h;
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

bool OneOf(std::string_view t, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words)
    if (t == w) return true;
  return false;
}

// Month and weekday abbreviations as they appear in syslog and ctime dates.
bool IsDateWord(std::string_view t) {
  if (t.size() != 3 || t[0] < 'A' || t[0] > 'Z') return false;  // most tokens leave here
  return OneOf(t, {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Mon", "Tue",
                   "Wed", "Thu", "Fri", "Sat", "Sun"});
}

// A size unit, with trailing punctuation ("KB,", "MB)"), that belongs to the number before it.
bool IsSizeUnit(std::string_view t) {
  while (!t.empty() && !(ClassOf(t.back()) & kAlpha)) t.remove_suffix(1);
  return t.size() <= 3 && OneOf(t, {"B", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "kB"});
}

// `seen`: the classes of the token's bytes, so that only tokens with a colon are searched.
bool IsPathOrUrl(std::string_view t, uint8_t seen) {
  if (t.size() >= 2 && t[0] == '/' && t[1] != '/') return true;
  return (seen & kColon) && t.find("://") != std::string_view::npos;
}

// Appends the masked form of `token` to `out` and reports whether letters remain outside the
// masks. Every run of letters and digits that holds a digit is masked; a '-' or '+' sign that
// starts a number belongs to it.
bool AppendMasked(std::string_view token, std::string& out) {
  bool letters = false;
  size_t i = 0;
  while (i < token.size()) {
    uint8_t c = ClassOf(token[i]);
    if (!(c & (kDigit | kAlpha))) {
      bool sign = (token[i] == '-' || token[i] == '+') && i + 1 < token.size() &&
                  (ClassOf(token[i + 1]) & kDigit) && (i == 0 || !(ClassOf(token[i - 1]) & (kDigit | kAlpha)));
      if (!sign) out.push_back(token[i]);
      ++i;
      continue;
    }
    size_t start = i;
    uint8_t seen = 0;
    while (i < token.size() && (ClassOf(token[i]) & (kDigit | kAlpha))) seen |= ClassOf(token[i++]);
    if (seen & kDigit) {
      out.append(kMask);
    } else {
      out.append(token.substr(start, i - start));
      letters = true;
    }
  }
  return letters;
}

// The word of a key=value token: the key as written, the value masked whole when it holds a
// digit, a dot, a slash or a colon, as numbers, addresses, host and file names do
// ("rhost=10.0.0.1" and "rhost=csnsu.nsuok.edu" -> "rhost=<*>", "(uid=0)" -> "(uid=<*>)"),
// kept when it is a bare word ("user=root"). Reports whether the word keeps letters.
bool AppendKeyValue(std::string_view token, size_t eq, std::string& out) {
  std::string_view key = token.substr(0, eq + 1);
  std::string_view value = token.substr(eq + 1);
  size_t end = value.size();
  while (end > 0 && std::string_view(")]},;:>").find(value[end - 1]) != std::string_view::npos) --end;
  bool letters = AppendMasked(key, out);
  bool value_letters = false;
  bool value_like = false;
  for (size_t k = 0; k < end; ++k)
    value_like |= (ClassOf(value[k]) & kDigit) || value[k] == '.' || value[k] == '/' || value[k] == ':';
  if (value_like) {
    out.append(kMask);
  } else {
    out.append(value.substr(0, end));
    for (size_t k = 0; k < end; ++k) value_letters |= (ClassOf(value[k]) & kAlpha) != 0;
  }
  out.append(value.substr(end));
  return letters || value_letters;
}

// The word of a token that holds a digit, or false when the token is a value as a whole.
// Only a key=value token keeps its words; any other token with a digit (a host name, an object
// id, a file name, an address) is a value.
bool AppendWord(std::string_view token, std::string& out) {
  size_t eq = token.find('=');
  return eq != std::string_view::npos && AppendKeyValue(token, eq, out);
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) {
  const char* p = bytes.data();
  const size_t size = bytes.size();
  size_t n = size;
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (size * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    h = (h ^ Load64(p)) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    // The last 8 bytes, overlapping what was hashed, when there are 8; else byte by byte.
    uint64_t tail = 0;
    if (size >= 8) {
      tail = Load64(bytes.data() + size - 8);
    } else {
      for (size_t i = 0; i < n; ++i) tail |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    }
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
  }
  return Mix(h);
}

std::string WordOf(std::string_view token) {
  for (char c : token)
    if (ClassOf(c) & (kDigit | kEquals)) {
      std::string out;
      AppendWord(token, out);
      return out;
    }
  return std::string(token);
}

void TokenizeLogLine(std::string_view line, size_t max_tokens, std::vector<LogToken>& out) {
  out.clear();
  if (max_tokens == 0) return;
  thread_local std::string word;
  const size_t n = line.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && (ClassOf(line[i]) & kSpace)) ++i;
    if (i == n) break;
    size_t start = i;
    if (out.size() + 1 == max_tokens) {
      // The last slot takes the rest of the line, trailing whitespace trimmed.
      size_t end = n;
      while (end > start && (ClassOf(line[end - 1]) & kSpace)) --end;
      std::string_view rest = line.substr(start, end - start);
      LogToken& t = out.emplace_back();
      t.text = rest;
      t.hash = HashBytes(rest);
      t.variable = true;
      return;
    }
    uint8_t seen = 0;
    while (i < n) {
      uint8_t c = ClassOf(line[i]);
      if (c & kSpace) break;
      seen |= c;
      ++i;
    }
    std::string_view tok = line.substr(start, i - start);
    // Filled in place: building the token aside and copying it in stalls on store forwarding.
    LogToken& t = out.emplace_back();
    t.text = tok;
    if (IsPathOrUrl(tok, seen) || IsDateWord(tok) || (out.size() > 1 && out[out.size() - 2].variable && IsSizeUnit(tok))) {
      t.variable = true;
      t.hash = HashBytes(tok);
    } else if (seen & (kDigit | kEquals)) {
      word.clear();
      bool letters = AppendWord(tok, word);
      t.variable = (seen & kDigit) && !letters;
      t.hash = HashBytes(t.variable || word.empty() ? tok : std::string_view(word));
    } else {
      t.hash = HashBytes(tok);
    }
  }
}

}  // namespace hostmind
