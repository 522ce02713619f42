#include "learn/gbdt.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <mutex>
#include <string>

namespace hostmind {
namespace {

Status XgbError(const char* what) { return Status::Internal(std::string("xgboost ") + what + ": " + XGBGetLastError()); }

// XGBoost logs to stderr by default; the agent reports through Status instead.
void QuietXgboostOnce() {
  static std::once_flag once;
  std::call_once(once, [] { XGBSetGlobalConfig("{\"verbosity\": 0}"); });
}

// Frees a DMatrix when the scope ends.
struct MatrixGuard {
  DMatrixHandle h = nullptr;
  ~MatrixGuard() {
    if (h) XGDMatrixFree(h);
  }
};

Status SetParam(BoosterHandle h, const char* key, const std::string& value) {
  if (XGBoosterSetParam(h, key, value.c_str()) != 0) return XgbError("set parameter");
  return Status::Ok();
}

constexpr char kWelsch[] = "welsch";

Status Configure(BoosterHandle h, const GbdtParams& p) {
  // Welsch supplies its own gradients; squared error keeps the output an identity of the margin.
  HM_RETURN_IF_ERROR(SetParam(h, "objective", p.objective == kWelsch ? "reg:squarederror" : p.objective));
  if (p.objective == "reg:pseudohubererror") HM_RETURN_IF_ERROR(SetParam(h, "huber_slope", std::to_string(p.huber_slope)));
  HM_RETURN_IF_ERROR(SetParam(h, "tree_method", "hist"));
  HM_RETURN_IF_ERROR(SetParam(h, "base_score", std::to_string(p.base_score)));
  HM_RETURN_IF_ERROR(SetParam(h, "max_depth", std::to_string(p.max_depth)));
  HM_RETURN_IF_ERROR(SetParam(h, "eta", std::to_string(p.eta)));
  HM_RETURN_IF_ERROR(SetParam(h, "subsample", std::to_string(p.subsample)));
  HM_RETURN_IF_ERROR(SetParam(h, "colsample_bytree", std::to_string(p.colsample_bytree)));
  HM_RETURN_IF_ERROR(SetParam(h, "min_child_weight", std::to_string(p.min_child_weight)));
  HM_RETURN_IF_ERROR(SetParam(h, "lambda", std::to_string(p.lambda)));
  HM_RETURN_IF_ERROR(SetParam(h, "nthread", std::to_string(p.threads)));
  HM_RETURN_IF_ERROR(SetParam(h, "seed", std::to_string(p.seed)));
  return Status::Ok();
}

// Each round: the residual r of every row under the current model, gradient r w / s^2 and
// hessian w / s^2 with w = exp(-r^2 / 2s^2) (Gauss-Newton: the curvature term that turns
// negative beyond s is dropped, which makes each step a weighted mean, never an ascent).
Status BoostWelsch(BoosterHandle booster, DMatrixHandle matrix, const std::vector<float>& labels,
                   const GbdtParams& params) {
  const double inv_s2 = 1.0 / (params.welsch_scale * params.welsch_scale);
  std::vector<float> grad(labels.size()), hess(labels.size());
  for (int i = 0; i < params.rounds; ++i) {
    bst_ulong len = 0;
    const float* margin = nullptr;
    if (XGBoosterPredict(booster, matrix, 1, 0, 1, &len, &margin) != 0) return XgbError("predict while training");
    if (len != labels.size()) return Status::Internal("xgboost: prediction length differs from the labels");
    for (size_t r = 0; r < labels.size(); ++r) {
      const double residual = margin[r] - labels[r];
      const double w = std::exp(-0.5 * residual * residual * inv_s2) * inv_s2;
      grad[r] = static_cast<float>(residual * w);
      hess[r] = static_cast<float>(std::max(w, 1e-6));
    }
    if (XGBoosterBoostOneIter(booster, matrix, grad.data(), hess.data(), labels.size()) != 0) return XgbError("train");
  }
  return Status::Ok();
}

}  // namespace

Gbdt::Gbdt(Gbdt&& o) noexcept : handle_(o.handle_), cols_(o.cols_) { o.handle_ = nullptr; }

Gbdt& Gbdt::operator=(Gbdt&& o) noexcept {
  if (this != &o) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = o.handle_;
    cols_ = o.cols_;
    o.handle_ = nullptr;
  }
  return *this;
}

Gbdt::~Gbdt() {
  if (handle_) XGBoosterFree(handle_);
}

Result<Gbdt> Gbdt::Train(const GbdtData& data, const GbdtParams& params) {
  QuietXgboostOnce();
  const size_t rows = data.rows();
  if (rows == 0 || data.labels.size() != rows || data.features.size() != rows * data.cols)
    return Status::InvalidArgument("gbdt: training data needs rows x cols features and one label per row");
  MatrixGuard matrix;
  if (XGDMatrixCreateFromMat(data.features.data(), rows, data.cols, std::nanf(""), &matrix.h) != 0)
    return XgbError("create matrix");
  if (XGDMatrixSetFloatInfo(matrix.h, "label", data.labels.data(), rows) != 0) return XgbError("set labels");
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(&matrix.h, 1, &booster) != 0) return XgbError("create booster");
  Gbdt model(booster, data.cols);  // owns the booster from here on
  HM_RETURN_IF_ERROR(Configure(booster, params));
  if (params.objective == kWelsch) {
    HM_RETURN_IF_ERROR(BoostWelsch(booster, matrix.h, data.labels, params));
    return model;
  }
  for (int i = 0; i < params.rounds; ++i)
    if (XGBoosterUpdateOneIter(booster, i, matrix.h) != 0) return XgbError("train");
  return model;
}

Result<Gbdt> Gbdt::Load(std::string_view bytes) {
  QuietXgboostOnce();
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(nullptr, 0, &booster) != 0) return XgbError("create booster");
  Gbdt model(booster, 0);
  if (XGBoosterLoadModelFromBuffer(booster, bytes.data(), bytes.size()) != 0) return XgbError("load model");
  bst_ulong cols = 0;
  if (XGBoosterGetNumFeature(booster, &cols) != 0) return XgbError("read feature count");
  model.cols_ = cols;
  return model;
}

Result<std::string> Gbdt::Save() const {
  bst_ulong len = 0;
  const char* bytes = nullptr;
  if (XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"ubj\"}", &len, &bytes) != 0) return XgbError("save model");
  return std::string(bytes, len);  // copied out: the buffer is reused by the next call
}

Result<std::vector<float>> Gbdt::Predict(const float* rows, size_t n) const {
  if (n == 0) return std::vector<float>{};
  char array[256];
  std::snprintf(array, sizeof array,
                "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(rows)), n, cols_);
  static constexpr char kConfig[] =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  if (XGBoosterPredictFromDense(handle_, array, kConfig, nullptr, &shape, &dim, &out) != 0)
    return XgbError("predict");
  return std::vector<float>(out, out + n);
}

}  // namespace hostmind
