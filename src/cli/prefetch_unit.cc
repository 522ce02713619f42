#include "cli/prefetch_unit.h"

#include <spdlog/spdlog.h>

#include "collect/prefetch/fanotify_tracer.h"
#include "collect/prefetch/page_tracer.h"
#include "core/clock.h"

namespace hostmind {

std::unique_ptr<PrefetchUnit> PrefetchUnit::Create(const PrefetchConfig& config, Store& store, ActionAudit* audit) {
  std::unique_ptr<PrefetchUnit> unit(new PrefetchUnit());
  std::string why;  // what is missing, or what the tracer cannot do
  if (config.tracer != "fanotify") {
    PageTracerOptions o;
    o.window_ms = config.learn_window_ms;
    auto tracer = PageTracer::Start(o);
    if (tracer.ok()) {
      why = (*tracer)->degraded_reason();
      unit->source_ = std::move(*tracer);
    } else {
      why = tracer.status().message();
    }
  }
  if (!unit->source_ && config.tracer != "ebpf") {
    FanotifyTracerOptions o;
    o.window_ms = config.learn_window_ms;
    auto tracer = FanotifyTracer::Start(o);
    if (tracer.ok()) {
      why = (why.empty() ? "" : why + "; ") + "using fanotify: files are known, page ranges only from residency, "
            "and hits cannot be told from waste";
      unit->source_ = std::move(*tracer);
    } else {
      why = (why.empty() ? "" : why + "; ") + tracer.status().message();
    }
  }
  if (unit->source_) spdlog::info("prefetch: tracing launches with {}{}", unit->source_->name(), why.empty() ? "" : " (" + why + ")");
  else spdlog::warn("prefetch: cannot trace launches: {}", why);

  PrefetchHooks hooks;
  SystemClock clock;
  hooks.save_model = [&store, clock](const std::string& name, const std::string& blob) {
    if (Status s = store.PutModel(name, blob, clock.Now()); !s.ok()) spdlog::warn("prefetch: save {}: {}", name, s.ToString());
  };
  hooks.load_model = [&store](const std::string& name) { return store.GetModel(name); };
  if (audit)
    hooks.audit = [audit](Action& action) {
      if (Status s = audit->Record(action); !s.ok()) spdlog::warn("prefetch: audit: {}", s.ToString());
    };
  unit->analyzer_ = std::make_unique<PrefetchAnalyzer>(config, unit->source_.get(), why, std::move(hooks));
  return unit;
}

PrefetchUnit::~PrefetchUnit() { analyzer_.reset(); }

}  // namespace hostmind
