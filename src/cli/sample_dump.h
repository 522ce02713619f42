#pragma once
// Writes every collected sample as "source<TAB>ts<TAB>series<TAB>value" lines: what `record`
// saw live and what `replay` reproduces, so the two can be compared line for line. Timing
// series (collector durations, queue depth) differ between runs by nature and are left out.
#include <cstdio>
#include <string>

#include "core/pipeline.h"

namespace hostmind {

class SampleDumpSink final : public Sink {
 public:
  static Result<std::unique_ptr<SampleDumpSink>> Open(const std::string& path);
  ~SampleDumpSink() override;
  void Consume(const Batch& batch, Analysis& analysis) override;
  void Flush() override;
  uint64_t samples() const { return samples_; }
  uint64_t events() const { return events_; }
  uint64_t findings() const { return findings_; }

 private:
  explicit SampleDumpSink(std::FILE* f) : file_(f) {}
  std::FILE* file_;
  uint64_t samples_ = 0, events_ = 0, findings_ = 0;
};

}  // namespace hostmind
