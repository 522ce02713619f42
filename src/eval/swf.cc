#include "eval/swf.h"

#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace hostmind {
namespace {

constexpr int kFields = 18;

const char* const kFieldNames[kFields] = {
    "job number",        "submit time",   "wait time",        "run time",
    "allocated processors", "average CPU time", "used memory",  "requested processors",
    "requested time",    "requested memory", "status",        "user id",
    "group id",          "executable number", "queue number", "partition number",
    "preceding job",     "think time"};

// "; MaxProcs: 240" -> key "MaxProcs", value "240".
void ParseHeaderLine(std::string_view line, SwfHeader& h) {
  line.remove_prefix(1);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  const std::string key(trim(line.substr(0, colon)));
  const std::string value(trim(line.substr(colon + 1)));
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str()) return;  // not a number: a comment like "; Note: ..."
  if (key == "MaxProcs") h.max_procs = static_cast<int64_t>(v);
  else if (key == "MaxNodes") h.max_nodes = static_cast<int64_t>(v);
  else if (key == "UnixStartTime") h.unix_start_time = static_cast<int64_t>(v);
  else if (key == "TimeZone") h.time_zone_s = static_cast<int64_t>(v);
  else if (key == "MaxRuntime") h.max_runtime_s = v;
}

Status ParseJobLine(std::string_view line, const std::string& where, SwfJob& job) {
  double v[kFields];
  int n = 0;
  size_t pos = 0;
  while (true) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    if (pos == line.size()) break;
    size_t end = pos;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    const std::string token(line.substr(pos, end - pos));
    if (n == kFields)
      return Status::InvalidArgument(where + ": more than " + std::to_string(kFields) + " fields (extra: '" + token + "')");
    char* stop = nullptr;
    errno = 0;
    const double x = std::strtod(token.c_str(), &stop);
    if (stop != token.c_str() + token.size() || errno == ERANGE || !std::isfinite(x))
      return Status::InvalidArgument(where + ": field " + std::to_string(n + 1) + " (" + kFieldNames[n] + "): '" +
                                     token + "' is not a number");
    v[n++] = x;
    pos = end;
  }
  if (n != kFields)
    return Status::InvalidArgument(where + ": expected " + std::to_string(kFields) + " fields, found " +
                                   std::to_string(n));
  auto i64 = [&](int f) { return static_cast<int64_t>(std::llround(v[f])); };
  job.id = i64(0);
  job.submit_s = v[1];
  job.wait_s = v[2];
  job.run_s = v[3];
  job.alloc_procs = i64(4);
  job.avg_cpu_s = v[5];
  job.used_mem_kb = v[6];
  job.req_procs = i64(7);
  job.req_time_s = v[8];
  job.req_mem_kb = v[9];
  job.status = i64(10);
  job.user = i64(11);
  job.group = i64(12);
  job.executable = i64(13);
  job.queue = i64(14);
  job.partition = i64(15);
  job.preceding = i64(16);
  job.think_s = v[17];
  if (job.submit_s < 0)
    return Status::InvalidArgument(where + ": field 2 (submit time): negative (" + std::to_string(job.submit_s) + ")");
  return Status::Ok();
}

}  // namespace

const char* SwfFieldName(int field) { return field >= 1 && field <= kFields ? kFieldNames[field - 1] : "?"; }

Result<SwfTrace> ParseSwf(std::string_view text, const std::string& origin) {
  SwfTrace trace;
  trace.origin = origin;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line.front() == ';') {
      ParseHeaderLine(line, trace.header);
      continue;
    }
    SwfJob job;
    job.line = line_no;
    HM_RETURN_IF_ERROR(ParseJobLine(line, origin + ":" + std::to_string(line_no), job));
    trace.jobs.push_back(job);
  }
  return trace;
}

Result<SwfTrace> ReadSwf(const std::string& path) {
  // gzread passes plain files through unchanged, so one path reads both.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return Status::FromErrno(errno, "open " + path);
  std::string text;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, n);
  int err = 0;
  const char* msg = n < 0 ? gzerror(f, &err) : nullptr;
  std::string error = msg ? msg : "";
  gzclose(f);
  if (n < 0) return Status::IoError("read " + path + ": " + error);
  return ParseSwf(text, path);
}

}  // namespace hostmind
