#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/agent.h"
#include "cli/commands.h"
#include "cli/sample_dump.h"
#include "core/recording.h"

namespace hostmind::cli {

namespace {

// Wraps a collector so each of its runs is saved as one recording frame.
class RecordingCollector final : public Collector {
 public:
  RecordingCollector(std::unique_ptr<Collector> inner, RecordingHostEnv& env, RecordingWriter& writer)
      : inner_(std::move(inner)), env_(env), writer_(writer) {}
  const std::string& name() const override { return inner_->name(); }
  Status Collect(CollectContext& ctx) override {
    env_.BeginFrame(inner_->name(), ctx.now());
    Status s = inner_->Collect(ctx);
    if (Status w = writer_.Append(env_.TakeFrame()); !w.ok()) ctx.CountError(w);
    return s;
  }

 private:
  std::unique_ptr<Collector> inner_;
  RecordingHostEnv& env_;
  RecordingWriter& writer_;
};

}  // namespace

void AddRecordCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("record", "Save the raw inputs the collectors read, for `hostmind replay`");
  static std::string config_path, out_dir;
  static double seconds = 60;
  cmd->add_option("--config", config_path, "YAML config file over the embedded defaults");
  cmd->add_option("--seconds", seconds, "how long to record")->check(CLI::PositiveNumber);
  cmd->add_option("--out", out_dir, "directory for recording.hmr and samples.tsv")->required();
  cmd->callback([&exit_code] {
    auto config = LoadConfigForCli(config_path);
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    auto writer = RecordingWriter::Open(out_dir + "/recording.hmr");
    auto dump = SampleDumpSink::Open(out_dir + "/samples.tsv");
    Status s = !config.ok() ? config.status() : !writer.ok() ? writer.status() : dump.status();
    if (!s.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", s.message().c_str());
      exit_code = 2;
      return;
    }
    DiskHostEnv disk(config->collect.root);
    RecordingHostEnv env(disk);
    SystemClock clock;
    Pipeline pipeline(env, clock, static_cast<size_t>(config->collect.queue_capacity));
    for (auto& c : BuildCollectors(*config))
      pipeline.AddCollector(std::make_unique<RecordingCollector>(std::move(c.collector), env, **writer), c.interval_ms);
    pipeline.AddSink(dump->get());
    pipeline.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
    pipeline.Stop();
    std::printf("recorded %.0f s: %llu samples, %llu events into %s\n", seconds,
                static_cast<unsigned long long>((*dump)->samples()), static_cast<unsigned long long>((*dump)->events()),
                out_dir.c_str());
    exit_code = 0;
  });
}

void AddReplayCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("replay", "Run the pipeline over a recording, on the recording's clock");
  static std::string config_path, dir, samples_out;
  cmd->add_option("DIR", dir, "a directory written by `hostmind record`")->required();
  cmd->add_option("--config", config_path, "YAML config file (the collectors must match the recording's)");
  cmd->add_option("--samples", samples_out, "write the replayed samples here (same format as samples.tsv; - for stdout)");
  cmd->callback([&exit_code] {
    auto config = LoadConfigForCli(config_path);
    auto frames = ReadRecording(dir + "/recording.hmr");
    auto store = Store::Open(":memory:");
    Status s = !config.ok() ? config.status() : !frames.ok() ? frames.status() : store.status();
    if (!s.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", s.message().c_str());
      exit_code = 2;
      return;
    }
    ReplayHostEnv env;
    FakeClock clock(frames->empty() ? 0 : frames->front().ts);
    Pipeline pipeline(env, clock);
    for (auto& c : BuildCollectors(*config)) pipeline.AddCollector(std::move(c.collector), c.interval_ms);
    auto analyzers = BuildAnalyzers(*config, **store);
    for (auto& a : analyzers) pipeline.AddAnalyzer(a.get());
    SeriesTable series(config->store.raw_window_ms);
    StoreSink store_sink(**store, series, config->store);
    pipeline.AddSink(&store_sink);
    auto dump = SampleDumpSink::Open(samples_out.empty() ? "/dev/null" : samples_out);
    if (!dump.ok()) {
      std::fprintf(stderr, "hostmind: %s\n", dump.status().message().c_str());
      exit_code = 2;
      return;
    }
    pipeline.AddSink(dump->get());
    for (const auto& frame : *frames) {
      int index = pipeline.FindCollector(frame.collector);
      if (index < 0) {
        std::fprintf(stderr, "hostmind: the recording has collector '%s', which this config does not enable\n",
                     frame.collector.c_str());
        exit_code = 2;
        return;
      }
      env.Load(frame);
      clock.Set(frame.ts);
      pipeline.Process(pipeline.RunCollector(static_cast<size_t>(index), env, frame.ts));
    }
    store_sink.Flush();
    (*dump)->Flush();
    std::fprintf(samples_out == "-" ? stderr : stdout, "replayed %zu frames: %llu samples, %llu events, %llu findings\n",
                 frames->size(), static_cast<unsigned long long>((*dump)->samples()),
                 static_cast<unsigned long long>((*dump)->events()), static_cast<unsigned long long>((*dump)->findings()));
    exit_code = 0;
  });
}

}  // namespace hostmind::cli
