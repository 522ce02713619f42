#pragma once
// The prefetching unit of the agent: the best startup tracer the host allows (eBPF, else
// fanotify, each failure said) and the prefetch analyzer it feeds, owned together because the
// tracer calls into the analyzer at every exec.
#include <memory>
#include <string>

#include "act/action_audit.h"
#include "act/prefetch_analyzer.h"
#include "core/config.h"
#include "core/pipeline.h"
#include "store/store.h"

namespace hostmind {

class PrefetchUnit final : public Analyzer {
 public:
  // Starts the tracer prefetch.tracer asks for; without one, the analyzer says why. Actions go
  // to `audit` (may be null: not recorded).
  static std::unique_ptr<PrefetchUnit> Create(const PrefetchConfig& config, Store& store, ActionAudit* audit);
  ~PrefetchUnit() override;

  void Analyze(const Batch& batch, Analysis& out) override { analyzer_->Analyze(batch, out); }
  PrefetchAnalyzer& analyzer() { return *analyzer_; }

 private:
  PrefetchUnit() = default;
  std::unique_ptr<StartupTraceSource> source_;   // destroyed after the analyzer
  std::unique_ptr<PrefetchAnalyzer> analyzer_;
};

}  // namespace hostmind
