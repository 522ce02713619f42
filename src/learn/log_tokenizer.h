#pragma once
// Splitting a log message into tokens and telling values from words. The template miner sees a
// message as its whitespace-separated tokens. Inside a token, every run of letters and digits
// that holds a digit is a value and is masked ("blk_-6952" -> "blk_<*>", "(uid=0)" ->
// "(uid=<*>)"): the masked form is the token's word. A token whose word has no letters left
// ("10.1.2.3:50010", "22:53:19", "0x1f"), a path or URL, a month or weekday name, or a size unit
// right after such a value ("5.2 KB") is a variable from the start, whatever the rest of the log
// says. Everything here is byte-oriented: invalid UTF-8 and binary bytes are just bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hostmind {

struct LogToken {
  std::string_view text;  // a view into the message
  uint64_t hash = 0;      // HashBytes(WordOf(text)); for variables, of the text
  bool variable = false;  // looks like a value
};

// A fixed 64-bit hash of bytes: the same on every build, so saved states stay valid.
uint64_t HashBytes(std::string_view bytes);

// The token with its values masked: "attempt_1445_0020_m_000000_0" -> "attempt_<*>_<*>_m_<*>_<*>".
std::string WordOf(std::string_view token);

// Splits `line` at ASCII whitespace into `out` (cleared first). A line with more than
// `max_tokens` tokens keeps the first max_tokens - 1 and folds the rest into one last variable
// token, so a token count is bounded and every byte still belongs to some token.
void TokenizeLogLine(std::string_view line, size_t max_tokens, std::vector<LogToken>& out);

}  // namespace hostmind
