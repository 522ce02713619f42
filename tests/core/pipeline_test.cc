#include "core/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/bounded_queue.h"

namespace hostmind {
namespace {

// Reads /value and emits it as a gauge; fails when the file is missing.
class FileValueCollector : public Collector {
 public:
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override {
    auto v = ctx.env().ReadFile("/value");
    if (!v.ok()) return v.status();
    ctx.out().Gauge(SeriesKey("test_value"), std::stod(*v));
    return Status::Ok();
  }

 private:
  std::string name_ = "file_value";
};

class CountingSink : public Sink {
 public:
  void Consume(const Batch& batch, Analysis& analysis) override {
    std::lock_guard lock(mu);
    batches++;
    findings += analysis.findings.size();
    for (const auto& s : batch.samples)
      if (s.key.name() == "test_value") last_value = s.value;
  }
  void Flush() override { flushed = true; }
  std::mutex mu;
  int batches = 0;
  size_t findings = 0;
  double last_value = -1;
  bool flushed = false;
};

class ThresholdAnalyzer : public Analyzer {
 public:
  void Analyze(const Batch& batch, Analysis& out) override {
    for (const auto& s : batch.samples)
      if (s.key.name() == "test_value" && s.value > 10) {
        Finding f;
        f.summary = "high";
        out.findings.push_back(f);
      }
  }
};

TEST(BoundedQueue, RefusesWhenFullAndDrainsAfterClose) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.TryPush(1));
  EXPECT_TRUE(q.TryPush(2));
  EXPECT_FALSE(q.TryPush(3));
  q.Close();
  EXPECT_FALSE(q.TryPush(4));
  EXPECT_EQ(*q.Pop(std::chrono::milliseconds(0)), 1);
  EXPECT_EQ(*q.Pop(std::chrono::milliseconds(0)), 2);
  EXPECT_FALSE(q.Pop(std::chrono::milliseconds(0)).has_value());
}

TEST(Pipeline, SynchronousStepsRunAnalyzersAndSinks) {
  MemoryHostEnv env;
  env.SetFile("/value", "42");
  FakeClock clock(1000);
  Pipeline p(env, clock);
  p.AddCollector(std::make_unique<FileValueCollector>(), 1000);
  ThresholdAnalyzer analyzer;
  CountingSink sink;
  p.AddAnalyzer(&analyzer);
  p.AddSink(&sink);
  Batch b = p.RunCollector(0, env, clock.Now());
  EXPECT_EQ(b.ts, 1000);
  p.Process(b);
  EXPECT_EQ(sink.last_value, 42);
  EXPECT_EQ(sink.findings, 1u);
  auto health = p.Health();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_TRUE(health[0].up);
  EXPECT_EQ(health[0].errors, 0u);
}

TEST(Pipeline, CollectorDownIsExportedWithItsError) {
  MemoryHostEnv env;
  FakeClock clock(0);
  Pipeline p(env, clock);
  p.AddCollector(std::make_unique<FileValueCollector>(), 1000);
  Batch b = p.RunCollector(0, env, 0);
  auto health = p.Health();
  EXPECT_FALSE(health[0].up);
  EXPECT_EQ(health[0].errors, 1u);
  EXPECT_NE(health[0].last_error.find("/value"), std::string::npos);
  bool found = false;
  for (const auto& s : b.samples)
    if (s.key.id() == "hostmind_collector_up{collector=\"file_value\"}") {
      found = true;
      EXPECT_EQ(s.value, 0);
    }
  EXPECT_TRUE(found);
}

TEST(Pipeline, LiveThreadsCollectAndDrainOnStop) {
  MemoryHostEnv env;
  env.SetFile("/value", "7");
  SystemClock clock;
  Pipeline p(env, clock);
  p.AddCollector(std::make_unique<FileValueCollector>(), 10);
  CountingSink sink;
  p.AddSink(&sink);
  p.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  p.Stop();
  EXPECT_TRUE(sink.flushed);
  EXPECT_GE(sink.batches, 5);
  EXPECT_EQ(sink.last_value, 7);
  EXPECT_EQ(p.dropped_batches(), 0u);
}

// Emits what has "happened" since the test began (an event source's gathered events).
class AtomicValueCollector : public Collector {
 public:
  const std::string& name() const override { return name_; }
  Status Collect(CollectContext& ctx) override {
    ctx.out().Gauge(SeriesKey("test_value"), value.load());
    return Status::Ok();
  }
  std::atomic<int> value{1};

 private:
  std::string name_ = "atomic_value";
};

TEST(Pipeline, StopCollectsOnceMoreSoLateEventsAreAnalysed) {
  MemoryHostEnv env;
  SystemClock clock;
  Pipeline p(env, clock);
  auto collector = std::make_unique<AtomicValueCollector>();
  auto* source = collector.get();
  p.AddCollector(std::move(collector), kMsPerHour);  // runs at start, then not for an hour
  CountingSink sink;
  p.AddSink(&sink);
  p.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  source->value = 2;  // happens after the first run, long before the next
  p.Stop();
  EXPECT_EQ(sink.batches, 2);
  EXPECT_EQ(sink.last_value, 2);
}

TEST(Pipeline, FullQueueCountsDrops) {
  MemoryHostEnv env;
  env.SetFile("/value", "1");
  SystemClock clock;
  Pipeline p(env, clock, /*queue_capacity=*/1);
  p.AddCollector(std::make_unique<FileValueCollector>(), 1);
  // A sink that blocks the analysis thread so the queue fills.
  struct SlowSink : Sink {
    void Consume(const Batch&, Analysis&) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } slow;
  p.AddSink(&slow);
  p.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  p.Stop();
  EXPECT_GT(p.dropped_batches(), 0u);
}

}  // namespace
}  // namespace hostmind
