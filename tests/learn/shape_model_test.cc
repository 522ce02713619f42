#include "learn/shape_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hostmind {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A sine with a 36-sample period plus a little noise: the normal shape of the tests below.
double Wave(int i, std::mt19937& rng) {
  std::normal_distribution<double> noise(0, 0.05);
  return 10 + std::sin(2 * kPi * i / 36.0) + noise(rng);
}

// Feeds `n` values of `f` (push, score, learn), returning the largest novelty seen.
template <typename F>
double Run(ShapeModel& model, int from, int n, F f, bool learn = true) {
  const ShapeLearning learning;
  double most = 0;
  for (int i = from; i < from + n; ++i) {
    model.Push(f(i));
    if (auto novelty = model.Novelty()) most = std::max(most, *novelty);
    if (learn) model.Learn(learning);
  }
  return most;
}

TEST(ShapeModelTest, NoNoveltyUntilTheWindowIsFullAndAPrototypeExists) {
  ShapeModel model;
  const ShapeLearning learning;
  for (int i = 0; i < ShapeModel::kWindow; ++i) {
    EXPECT_FALSE(model.Novelty().has_value()) << i;
    model.Push(i);
    model.Learn(learning);
  }
  model.Push(0);
  EXPECT_TRUE(model.Novelty().has_value());
}

TEST(ShapeModelTest, LearnedRhythmIsFamiliarAndABrokenOneIsNot) {
  ShapeModel model;
  std::mt19937 rng(1);
  Run(model, 0, 3000, [&](int i) { return Wave(i, rng); });
  const double familiar = Run(model, 3000, 360, [&](int i) { return Wave(i, rng); }, false);
  // The same range of values (9..11), but a square wave at twice the rhythm: no value leaves the
  // band the series lived in, only the shape is new.
  const double broken = Run(model, 3360, 36, [&](int i) { return (i / 9) % 2 ? 11.0 : 9.0; }, false);
  EXPECT_LT(familiar, 0.6);
  EXPECT_GT(broken, 2 * familiar);
}

TEST(ShapeModelTest, QuietWindowIsNotMagnifiedNoise) {
  // A series that usually swings by +-1 goes flat with tiny noise: its windows are scaled by the
  // series' typical spread, so the noise stays small, and the flat shape is near the centre.
  ShapeModel model;
  std::mt19937 rng(2);
  Run(model, 0, 3000, [&](int i) { return Wave(i, rng); });
  std::normal_distribution<double> tiny(0, 0.001);
  const double flat = Run(model, 3000, 200, [&](int) { return 10 + tiny(rng); }, false);
  EXPECT_LT(flat, 1.5);
}

TEST(ShapeModelTest, SaveLoadRoundTripsAndRejectsTruncation) {
  ShapeModel model;
  std::mt19937 rng(3);
  Run(model, 0, 500, [&](int i) { return Wave(i, rng); });
  ByteWriter w;
  model.Save(w);
  const std::string bytes = w.Take();
  ShapeModel loaded;
  ByteReader r(bytes);
  ASSERT_TRUE(loaded.Load(r));
  EXPECT_TRUE(r.done());
  ASSERT_TRUE(model.Novelty().has_value());
  EXPECT_EQ(*loaded.Novelty(), *model.Novelty());
  model.Push(12);
  loaded.Push(12);
  EXPECT_EQ(*loaded.Novelty(), *model.Novelty());

  ShapeModel truncated;
  ByteReader short_reader(std::string_view(bytes).substr(0, bytes.size() - 3));
  EXPECT_FALSE(truncated.Load(short_reader));
}

}  // namespace
}  // namespace hostmind
