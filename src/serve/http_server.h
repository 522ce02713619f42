#pragma once
// The agent's HTTP server: cpp-httplib behind a small interface so that no other module includes
// httplib.h (it breaks Eigen when both are in one translation unit). Writes (POST, PUT, DELETE)
// need the bearer token when one is configured; listening beyond loopback needs a token; reads
// need it too when `token_for_reads` is set. A browser write from another origin is refused
// (CSRF), and so is a request whose Host names none of the addresses the server may be reached
// by (DNS rebinding), so a page on the internet cannot drive a loopback-only agent.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace hostmind {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // query string
  std::vector<std::string> matches;           // regex groups of the route pattern
  std::string body;
  std::string remote_addr;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string Param(const std::string& name, const std::string& fallback = "") const;
  // The value of header `name` (any case), or "".
  std::string Header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  static HttpResponse Json(const nlohmann::json& j, int status = 200);
  // {"error": message} with the status.
  static HttpResponse Error(int status, const std::string& message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A non-negative integer query parameter, with a default and an upper bound (larger values are
// cut to it); anything else is InvalidArgument naming the parameter.
Result<int64_t> IntParam(const HttpRequest& req, const std::string& name, int64_t fallback, int64_t max);

struct HttpServerOptions {
  std::string listen = "127.0.0.1";
  int port = 9464;  // 0 = any free port
  std::string token;
  bool token_for_reads = false;  // reads need the token too (recommended beyond loopback)
};

// One registered route, as listed by GET /api/v1 (the dashboard shows what exists).
struct HttpRoute {
  std::string method;
  std::string pattern;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes: `pattern` is a regular expression matched against the whole path.
  void Get(const std::string& pattern, HttpHandler handler);
  // A read that never needs the token: the dashboard's static assets (code, no data).
  void GetPublic(const std::string& pattern, HttpHandler handler);
  void Post(const std::string& pattern, HttpHandler handler);
  void Put(const std::string& pattern, HttpHandler handler);
  void Delete(const std::string& pattern, HttpHandler handler);

  // Binds and serves on a background thread.
  Status Start();
  void Stop();
  int port() const { return port_; }
  bool IsLoopback() const;
  // Every route registered so far, in registration order.
  std::vector<HttpRoute> Routes() const;

 private:
  struct Impl;
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler, bool public_route);
  // The refusal for a request that fails the host, origin or token rules, or nullopt.
  std::optional<HttpResponse> Refusal(const HttpRequest& req, bool write, bool public_route) const;
  HttpServerOptions options_;
  mutable std::mutex routes_mu_;
  std::vector<HttpRoute> routes_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hostmind
