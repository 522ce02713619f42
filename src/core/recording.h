#pragma once
// Record and replay of everything collectors read. A recording is a sequence of frames, one per
// collector run: the collector's name, the time it ran, and every HostEnv call it made with its
// result. Replaying feeds each frame back to the same collector at the recorded time, so the
// pipeline sees exactly the samples it saw live.
//
// File format (recording.hmr), one frame after another:
//   F <ts_ms> <collector>\n
//   <op> <status-code> <arg> <path-bytes> <payload-bytes>\n<path><payload>\n   (repeated)
//   E\n
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/host_env.h"

namespace hostmind {

struct RecordedCall {
  char op = 0;  // r=ReadFile l=ListDir k=ReadLink s=StatFs i=StatFile g=ReadRange x=DrainStream
  int code = 0;       // StatusCode of the result
  std::string arg;    // ReadRange: "offset:max"; otherwise empty
  std::string path;
  std::string payload;  // the result, encoded, or the error message
};

struct RecordingFrame {
  TimeMs ts = 0;
  std::string collector;
  std::vector<RecordedCall> calls;
};

// Passes every call to `inner` and remembers it in the current frame.
class RecordingHostEnv final : public HostEnv {
 public:
  explicit RecordingHostEnv(HostEnv& inner) : inner_(inner) {}
  void BeginFrame(const std::string& collector, TimeMs ts);
  RecordingFrame TakeFrame();

  Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;
  Result<FileInfo> StatFile(const std::string& path) override;
  Result<std::string> ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) override;
  Result<std::vector<std::string>> DrainStream(RecordStream& stream, const std::string& name,
                                               size_t max_records) override;

 private:
  HostEnv& inner_;
  std::mutex mu_;
  RecordingFrame frame_;
};

// Answers calls from one recorded frame; a call that was not recorded is NotFound.
class ReplayHostEnv final : public HostEnv {
 public:
  void Load(const RecordingFrame& frame);

  Result<std::string> ReadFileUpTo(const std::string& path, size_t max_bytes) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Result<std::string> ReadLink(const std::string& path) override;
  Result<FsStats> StatFs(const std::string& path) override;
  Result<FileInfo> StatFile(const std::string& path) override;
  Result<std::string> ReadRange(const std::string& path, uint64_t offset, size_t max_bytes) override;
  // Serves the recorded records; `stream` itself is never touched.
  Result<std::vector<std::string>> DrainStream(RecordStream& stream, const std::string& name,
                                               size_t max_records) override;

 private:
  const RecordedCall* Find(char op, const std::string& arg, const std::string& path) const;
  Result<std::string> Payload(char op, const std::string& arg, const std::string& path) const;
  std::map<std::string, RecordedCall> calls_;
};

class RecordingWriter {
 public:
  static Result<std::unique_ptr<RecordingWriter>> Open(const std::string& path);
  ~RecordingWriter();
  Status Append(const RecordingFrame& frame);

 private:
  explicit RecordingWriter(std::FILE* f) : file_(f) {}
  std::FILE* file_;
};

// Reads a whole recording; a torn last frame (the recorder was killed) is dropped, not an error.
Result<std::vector<RecordingFrame>> ReadRecording(const std::string& path);

}  // namespace hostmind
