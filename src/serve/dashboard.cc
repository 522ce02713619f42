#include "serve/dashboard.h"

#include <regex>

#include "serve/web_assets.h"

namespace hostmind {

namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse ServeAsset(const WebAsset& asset, const HttpRequest& req) {
  HttpResponse res;
  res.content_type = asset.content_type;
  res.headers = {{"ETag", asset.etag},
                 {"Cache-Control", "no-cache"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Content-Security-Policy", kContentSecurityPolicy},
                 {"Referrer-Policy", "no-referrer"}};
  if (req.Header("If-None-Match") == asset.etag) {
    res.status = 304;
    return res;
  }
  res.body.assign(reinterpret_cast<const char*>(asset.data), asset.size);
  return res;
}

std::string RegexEscape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

}  // namespace

void RegisterDashboard(HttpServer& server) {
  for (const WebAsset& asset : WebAssets()) {
    std::string path = asset.path;
    std::string route = path == "index.html" ? "/" : "/assets/" + RegexEscape(path);
    server.GetPublic(route, [&asset](const HttpRequest& req) { return ServeAsset(asset, req); });
  }
}

}  // namespace hostmind
