#include "eval/log_format.h"

#include <cctype>

namespace hostmind {
namespace {
constexpr size_t kMaxSteps = 1 << 20;
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
}  // namespace

Result<LogFormat> LogFormat::Parse(std::string_view format) {
  LogFormat f;
  size_t i = 0;
  HM_RETURN_IF_ERROR(f.Compile(format, i, false));
  f.prog_.push_back({Op::kEnd});
  if (f.names_.empty()) return Status::InvalidArgument("log format has no <Field>: " + std::string(format));
  return f;
}

Status LogFormat::Compile(std::string_view format, size_t& i, bool in_group) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("log format '" + std::string(format) + "' at " + std::to_string(i) + ": " + why);
  };
  while (i < format.size()) {
    char c = format[i];
    if (c == ' ') {
      while (i < format.size() && format[i] == ' ') ++i;
      // \s+ : one whitespace, then as many more as possible.
      prog_.push_back({Op::kSpace});
      int loop = static_cast<int>(prog_.size());
      prog_.push_back({Op::kSplit, 0, loop + 1, loop + 3});
      prog_.push_back({Op::kSpace});
      prog_.push_back({Op::kJump, 0, loop});
    } else if (c == '<') {
      size_t end = format.find('>', i);
      if (end == std::string_view::npos) return bad("unterminated <Field>");
      std::string name(format.substr(i + 1, end - i - 1));
      if (name.empty()) return bad("empty field name");
      int slot = static_cast<int>(names_.size());
      names_.push_back(name);
      prog_.push_back({Op::kSave, 0, 2 * slot});
      // .*? : leave as early as possible, else take one more character.
      int loop = static_cast<int>(prog_.size());
      prog_.push_back({Op::kSplit, 0, loop + 3, loop + 1});
      prog_.push_back({Op::kAny});
      prog_.push_back({Op::kJump, 0, loop});
      prog_.push_back({Op::kSave, 0, 2 * slot + 1});
      i = end + 1;
    } else if (c == '\\') {
      if (i + 1 >= format.size()) return bad("trailing backslash");
      prog_.push_back({Op::kChar, format[i + 1]});
      i += 2;
    } else if (c == '(') {
      // ( ... )? : greedy optional group.
      int split = static_cast<int>(prog_.size());
      prog_.push_back({Op::kSplit, 0, split + 1, 0});
      ++i;
      HM_RETURN_IF_ERROR(Compile(format, i, true));
      if (i + 1 >= format.size() || format[i] != ')' || format[i + 1] != '?')
        return bad("only optional groups '( ... )?' are supported");
      i += 2;
      prog_[split].y = static_cast<int>(prog_.size());
    } else if (c == ')') {
      if (!in_group) return bad("unbalanced ')'");
      return Status::Ok();
    } else if (std::string_view(".*+?|^${}[]").find(c) != std::string_view::npos) {
      return bad(std::string("unsupported regular-expression syntax '") + c + "'");
    } else {
      prog_.push_back({Op::kChar, c});
      ++i;
    }
  }
  if (in_group) return bad("unterminated '('");
  return Status::Ok();
}

int LogFormat::FieldIndex(std::string_view name) const {
  for (size_t k = 0; k < names_.size(); ++k)
    if (names_[k] == name) return static_cast<int>(k);
  return -1;
}

bool LogFormat::Match(std::string_view line, std::vector<std::string_view>& fields) const {
  while (!line.empty() && IsSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
  const size_t n = line.size();
  std::vector<size_t> caps(2 * names_.size(), 0);
  // Backtracking with an explicit stack; a restore entry (pc < 0) puts back a capture.
  struct Frame {
    int pc;
    size_t pos;
  };
  std::vector<Frame> stack{{0, 0}};
  size_t steps = 0;
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    if (f.pc < 0) {
      caps[-f.pc - 1] = f.pos;
      continue;
    }
    int pc = f.pc;
    size_t pos = f.pos;
    for (;;) {
      if (++steps > kMaxSteps) return false;
      const Inst& in = prog_[pc];
      bool ok = true;
      switch (in.op) {
        case Op::kChar: ok = pos < n && line[pos] == in.ch; ++pos; ++pc; break;
        case Op::kSpace: ok = pos < n && IsSpace(line[pos]); ++pos; ++pc; break;
        case Op::kAny: ok = pos < n && line[pos] != '\n'; ++pos; ++pc; break;
        case Op::kSplit: stack.push_back({in.y, pos}); pc = in.x; break;
        case Op::kJump: pc = in.x; break;
        case Op::kSave:
          stack.push_back({-(in.x + 1), caps[in.x]});
          caps[in.x] = pos;
          ++pc;
          break;
        case Op::kEnd:
          if (pos != n) { ok = false; break; }
          fields.resize(names_.size());
          for (size_t k = 0; k < names_.size(); ++k) fields[k] = line.substr(caps[2 * k], caps[2 * k + 1] - caps[2 * k]);
          return true;
      }
      if (!ok) break;
    }
  }
  return false;
}

}  // namespace hostmind
