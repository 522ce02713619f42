#include "core/recording.h"

#include <cerrno>
#include <cinttypes>
#include <fstream>
#include <sstream>

namespace hostmind {

namespace {

std::string CallKey(char op, const std::string& arg, const std::string& path) {
  std::string key(1, op);
  key += arg;
  key += '\0';
  key += path;
  return key;
}

template <typename T>
RecordedCall MakeCall(char op, std::string arg, const std::string& path, const Result<T>& r,
                      std::string payload) {
  RecordedCall call{op, static_cast<int>(r.status().code()), std::move(arg), path, {}};
  call.payload = r.ok() ? std::move(payload) : r.status().message();
  return call;
}

// Records may hold any bytes, newlines included: each is written as "<length>\n<bytes>".
std::string EncodeRecords(const std::vector<std::string>& records) {
  std::string out;
  for (const auto& r : records) out += std::to_string(r.size()) + '\n' + r;
  return out;
}

Result<std::vector<std::string>> DecodeRecords(const std::string& payload, const std::string& name) {
  std::vector<std::string> records;
  size_t pos = 0;
  while (pos < payload.size()) {
    size_t nl = payload.find('\n', pos);
    if (nl == std::string::npos) return Status::Corrupt(name + ": bad recorded stream");
    size_t len = std::stoul(payload.substr(pos, nl - pos));
    if (nl + 1 + len > payload.size()) return Status::Corrupt(name + ": bad recorded stream");
    records.push_back(payload.substr(nl + 1, len));
    pos = nl + 1 + len;
  }
  return records;
}

std::string JoinLines(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += n + '\n';
  return out;
}

}  // namespace

void RecordingHostEnv::BeginFrame(const std::string& collector, TimeMs ts) {
  std::lock_guard lock(mu_);
  frame_ = RecordingFrame{ts, collector, {}};
}

RecordingFrame RecordingHostEnv::TakeFrame() {
  std::lock_guard lock(mu_);
  return std::move(frame_);
}

Result<std::string> RecordingHostEnv::ReadFileUpTo(const std::string& path, size_t max_bytes) {
  auto r = inner_.ReadFileUpTo(path, max_bytes);
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('r', "", path, r, r.ok() ? *r : ""));
  return r;
}

Result<std::vector<std::string>> RecordingHostEnv::ListDir(const std::string& path) {
  auto r = inner_.ListDir(path);
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('l', "", path, r, r.ok() ? JoinLines(*r) : ""));
  return r;
}

Result<std::string> RecordingHostEnv::ReadLink(const std::string& path) {
  auto r = inner_.ReadLink(path);
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('k', "", path, r, r.ok() ? *r : ""));
  return r;
}

Result<FsStats> RecordingHostEnv::StatFs(const std::string& path) {
  auto r = inner_.StatFs(path);
  std::string payload;
  if (r.ok()) {
    std::ostringstream s;
    s << r->total_bytes << ' ' << r->free_bytes << ' ' << r->avail_bytes << ' ' << r->total_inodes
      << ' ' << r->free_inodes;
    payload = s.str();
  }
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('s', "", path, r, payload));
  return r;
}

Result<FileInfo> RecordingHostEnv::StatFile(const std::string& path) {
  auto r = inner_.StatFile(path);
  std::string payload = r.ok() ? std::to_string(r->inode) + ' ' + std::to_string(r->size) : "";
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('i', "", path, r, payload));
  return r;
}

Result<std::string> RecordingHostEnv::ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) {
  auto r = inner_.ReadRange(path, offset, max_bytes);
  std::lock_guard lock(mu_);
  std::string arg = std::to_string(offset) + ':' + std::to_string(max_bytes);
  frame_.calls.push_back(MakeCall('g', arg, path, r, r.ok() ? *r : ""));
  return r;
}

Result<std::vector<std::string>> RecordingHostEnv::DrainStream(RecordStream& stream, const std::string& name,
                                                               size_t max_records) {
  auto r = inner_.DrainStream(stream, name, max_records);
  std::lock_guard lock(mu_);
  frame_.calls.push_back(MakeCall('x', "", name, r, r.ok() ? EncodeRecords(*r) : ""));
  return r;
}

void ReplayHostEnv::Load(const RecordingFrame& frame) {
  calls_.clear();
  for (const auto& c : frame.calls) calls_[CallKey(c.op, c.arg, c.path)] = c;
}

const RecordedCall* ReplayHostEnv::Find(char op, const std::string& arg, const std::string& path) const {
  auto it = calls_.find(CallKey(op, arg, path));
  return it == calls_.end() ? nullptr : &it->second;
}

Result<std::string> ReplayHostEnv::Payload(char op, const std::string& arg, const std::string& path) const {
  const RecordedCall* c = Find(op, arg, path);
  if (!c) return Status::NotFound(path + ": not in the recording");
  if (c->code != 0) return Status(static_cast<StatusCode>(c->code), c->payload);
  return c->payload;
}

Result<std::string> ReplayHostEnv::ReadFileUpTo(const std::string& path, size_t) { return Payload('r', "", path); }

Result<std::string> ReplayHostEnv::ReadLink(const std::string& path) { return Payload('k', "", path); }

Result<std::string> ReplayHostEnv::ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) {
  return Payload('g', std::to_string(offset) + ':' + std::to_string(max_bytes), path);
}

Result<std::vector<std::string>> ReplayHostEnv::DrainStream(RecordStream&, const std::string& name, size_t) {
  auto p = Payload('x', "", name);
  if (!p.ok()) return p.status();
  return DecodeRecords(*p, name);
}

Result<std::vector<std::string>> ReplayHostEnv::ListDir(const std::string& path) {
  auto p = Payload('l', "", path);
  if (!p.ok()) return p.status();
  std::vector<std::string> names;
  std::istringstream in(*p);
  for (std::string line; std::getline(in, line);) names.push_back(line);
  return names;
}

Result<FsStats> ReplayHostEnv::StatFs(const std::string& path) {
  auto p = Payload('s', "", path);
  if (!p.ok()) return p.status();
  FsStats s;
  std::istringstream in(*p);
  if (!(in >> s.total_bytes >> s.free_bytes >> s.avail_bytes >> s.total_inodes >> s.free_inodes))
    return Status::Corrupt("statvfs " + path + ": bad recorded value");
  return s;
}

Result<FileInfo> ReplayHostEnv::StatFile(const std::string& path) {
  auto p = Payload('i', "", path);
  if (!p.ok()) return p.status();
  FileInfo f;
  std::istringstream in(*p);
  if (!(in >> f.inode >> f.size)) return Status::Corrupt("stat " + path + ": bad recorded value");
  return f;
}

Result<std::unique_ptr<RecordingWriter>> RecordingWriter::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::FromErrno(errno, "open " + path);
  return std::unique_ptr<RecordingWriter>(new RecordingWriter(f));
}

RecordingWriter::~RecordingWriter() { std::fclose(file_); }

Status RecordingWriter::Append(const RecordingFrame& frame) {
  std::fprintf(file_, "F %" PRId64 " %s\n", frame.ts, frame.collector.c_str());
  for (const auto& c : frame.calls) {
    std::fprintf(file_, "%c %d %s %zu %zu\n", c.op, c.code, c.arg.empty() ? "-" : c.arg.c_str(),
                 c.path.size(), c.payload.size());
    std::fwrite(c.path.data(), 1, c.path.size(), file_);
    std::fwrite(c.payload.data(), 1, c.payload.size(), file_);
    std::fputc('\n', file_);
  }
  std::fputs("E\n", file_);
  if (std::fflush(file_) != 0) return Status::FromErrno(errno, "write recording");
  return Status::Ok();
}

Result<std::vector<RecordingFrame>> ReadRecording(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("open " + path + ": cannot read recording");
  std::vector<RecordingFrame> frames;
  std::string line;
  while (std::getline(in, line)) {
    RecordingFrame frame;
    std::istringstream head(line);
    char tag = 0;
    if (!(head >> tag >> frame.ts >> frame.collector) || tag != 'F')
      return Status::Corrupt(path + ": expected a frame header, got '" + line.substr(0, 40) + "'");
    bool complete = false;
    while (std::getline(in, line)) {
      if (line == "E") {
        complete = true;
        break;
      }
      RecordedCall c;
      size_t path_len = 0, payload_len = 0;
      std::istringstream call(line);
      if (!(call >> c.op >> c.code >> c.arg >> path_len >> payload_len)) break;
      if (c.arg == "-") c.arg.clear();
      c.path.resize(path_len);
      c.payload.resize(payload_len);
      in.read(c.path.data(), static_cast<std::streamsize>(path_len));
      in.read(c.payload.data(), static_cast<std::streamsize>(payload_len));
      if (!in || in.get() != '\n') break;
      frame.calls.push_back(std::move(c));
    }
    if (!complete) break;  // torn tail: keep what was whole
    frames.push_back(std::move(frame));
  }
  return frames;
}

}  // namespace hostmind
