#include "serve/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "store/json_codec.h"

namespace hostmind {

struct HttpServer::Impl {
  httplib::Server server;
};

std::string HttpRequest::Param(const std::string& name, const std::string& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

Result<int64_t> IntParam(const HttpRequest& req, const std::string& name, int64_t fallback, int64_t max) {
  std::string v = req.Param(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (*end != '\0' || n < 0) return Status::InvalidArgument(name + ": expected a non-negative integer, got '" + v + "'");
  return std::min<int64_t>(n, max);
}

HttpResponse HttpResponse::Json(const nlohmann::json& j, int status) {
  return HttpResponse{status, "application/json", JsonText(j)};
}

HttpResponse HttpResponse::Error(int status, const std::string& message) {
  return Json({{"error", message}}, status);
}

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  impl_->server.set_keep_alive_max_count(100);
  impl_->server.set_read_timeout(5, 0);
  impl_->server.set_write_timeout(5, 0);
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::IsLoopback() const {
  return options_.listen == "127.0.0.1" || options_.listen == "::1" || options_.listen == "localhost" ||
         options_.listen.rfind("127.", 0) == 0;
}

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The host part of a Host header ("127.0.0.1:9464" -> "127.0.0.1", "[::1]:80" -> "::1").
std::string HostOnly(const std::string& host_header) {
  if (!host_header.empty() && host_header[0] == '[') {
    size_t close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(1, close - 1);
  }
  return host_header.substr(0, host_header.find(':'));
}

bool IsLoopbackName(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Compares in time independent of where the strings differ, so the token cannot be guessed
// byte by byte from response times.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % std::max<size_t>(1, b.size())]);
  return diff == 0 && !b.empty();
}

HttpRequest ToRequest(const std::string& method, const httplib::Request& req) {
  HttpRequest r;
  r.method = method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params[k] = v;
  for (size_t i = 1; i < req.matches.size(); ++i) r.matches.push_back(req.matches[i]);
  for (const auto& [k, v] : req.headers) r.headers[Lower(k)] = v;
  r.body = req.body;
  r.remote_addr = req.remote_addr;
  return r;
}

}  // namespace

std::string HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

std::optional<HttpResponse> HttpServer::Refusal(const HttpRequest& req, bool write, bool public_route) const {
  std::string host = req.Header("Host");
  // DNS rebinding: a loopback-only agent answers only to loopback names.
  if (IsLoopback() && !host.empty() && !IsLoopbackName(HostOnly(host)))
    return HttpResponse::Error(403, "Host '" + host + "' is not a loopback name; this agent listens on loopback only");
  // CSRF: browsers send Origin with writes; a page from another origin may not change anything.
  std::string origin = req.Header("Origin");
  if (write && !origin.empty() && origin != "http://" + host && origin != "https://" + host)
    return HttpResponse::Error(403, "cross-origin write from " + origin + " refused");
  if (public_route) return std::nullopt;
  std::string auth = req.Header("Authorization");
  bool token_ok = !options_.token.empty() && ConstantTimeEquals(auth, "Bearer " + options_.token);
  if (!auth.empty() && !token_ok) return HttpResponse::Error(401, "invalid bearer token");
  if (token_ok || options_.token.empty()) return std::nullopt;
  if (write) return HttpResponse::Error(401, "this endpoint changes state: send Authorization: Bearer <http.token>");
  if (options_.token_for_reads) return HttpResponse::Error(401, "http.token_for_reads is set: send Authorization: Bearer <http.token>");
  return std::nullopt;
}

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler, bool public_route) {
  {
    std::lock_guard lock(routes_mu_);
    routes_.push_back({method, pattern});
  }
  bool write = method != "GET";
  auto wrapped = [this, write, public_route, method, h = std::move(handler)](const httplib::Request& req,
                                                                              httplib::Response& res) {
    HttpRequest r = ToRequest(method, req);
    HttpResponse out;
    if (auto refusal = Refusal(r, write, public_route)) {
      out = *std::move(refusal);
    } else {
      try {
        out = h(r);
      } catch (const std::exception& e) {
        // Handlers return errors as values; an exception here is a bug, not a crash.
        spdlog::error("http {} {}: {}", method, req.path, e.what());
        out = HttpResponse::Error(500, "internal error");
      }
    }
    if (out.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    res.status = out.status;
    // cpp-httplib compresses text bodies (gzip/brotli) when the client accepts it.
    if (!out.body.empty() || out.status != 304) res.set_content(out.body, out.content_type);
  };
  if (method == "GET") impl_->server.Get(pattern, wrapped);
  else if (method == "POST") impl_->server.Post(pattern, wrapped);
  else if (method == "PUT") impl_->server.Put(pattern, wrapped);
  else impl_->server.Delete(pattern, wrapped);
}

std::vector<HttpRoute> HttpServer::Routes() const {
  std::lock_guard lock(routes_mu_);
  return routes_;
}

void HttpServer::Get(const std::string& p, HttpHandler h) { Route("GET", p, std::move(h), false); }
void HttpServer::GetPublic(const std::string& p, HttpHandler h) { Route("GET", p, std::move(h), true); }
void HttpServer::Post(const std::string& p, HttpHandler h) { Route("POST", p, std::move(h), false); }
void HttpServer::Put(const std::string& p, HttpHandler h) { Route("PUT", p, std::move(h), false); }
void HttpServer::Delete(const std::string& p, HttpHandler h) { Route("DELETE", p, std::move(h), false); }

Status HttpServer::Start() {
  if (!IsLoopback() && options_.token.empty())
    return Status::InvalidArgument("http.listen is " + options_.listen +
                                   ", beyond loopback: set http.token so that writes need a bearer token");
  if (!IsLoopback() && !options_.token_for_reads)
    spdlog::warn("http: listening on {} beyond loopback with reads open to anyone who can connect; "
                 "set http.token_for_reads: true to require the token for reads too", options_.listen);
  if (options_.port == 0) {
    port_ = impl_->server.bind_to_any_port(options_.listen);
    if (port_ <= 0) return Status::IoError("http: cannot bind " + options_.listen);
  } else {
    if (!impl_->server.bind_to_port(options_.listen, options_.port))
      return Status::IoError("http: cannot bind " + options_.listen + ":" + std::to_string(options_.port) +
                             " (in use? another hostmind running?)");
    port_ = options_.port;
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  impl_->server.stop();
  thread_.join();
}

}  // namespace hostmind
