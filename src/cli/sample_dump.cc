#include "cli/sample_dump.h"

#include <cerrno>
#include <cinttypes>

#include "serve/metrics_exposition.h"

namespace hostmind {

Result<std::unique_ptr<SampleDumpSink>> SampleDumpSink::Open(const std::string& path) {
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (!f) return Status::FromErrno(errno, "open " + path);
  return std::unique_ptr<SampleDumpSink>(new SampleDumpSink(f));
}

SampleDumpSink::~SampleDumpSink() {
  if (file_ != stdout) std::fclose(file_);
}

void SampleDumpSink::Consume(const Batch& batch, Analysis& analysis) {
  for (const auto& s : batch.samples) {
    const std::string& name = s.key.name();
    if (name == "hostmind_collector_duration_seconds" || name.rfind("hostmind_pipeline_", 0) == 0) continue;
    std::fprintf(file_, "%s\t%" PRId64 "\t%s\t%s\n", batch.source.c_str(), s.ts, s.key.id().c_str(),
                 FormatMetricValue(s.value).c_str());
    ++samples_;
  }
  events_ += batch.events.size();
  findings_ += analysis.findings.size();
}

void SampleDumpSink::Flush() { std::fflush(file_); }

}  // namespace hostmind
