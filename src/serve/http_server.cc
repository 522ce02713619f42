#include "serve/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <spdlog/spdlog.h>

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

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  bool write = method != "GET";
  auto wrapped = [this, write, method, h = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    HttpResponse out;
    std::string auth = req.get_header_value("Authorization");
    bool token_ok = !options_.token.empty() && auth == "Bearer " + options_.token;
    if (!auth.empty() && !token_ok) {
      out = HttpResponse::Error(401, "invalid bearer token");
    } else if (write && !options_.token.empty() && !token_ok) {
      out = HttpResponse::Error(401, "this endpoint changes state: send Authorization: Bearer <http.token>");
    } else {
      HttpRequest r;
      r.method = method;
      r.path = req.path;
      for (const auto& [k, v] : req.params) r.params[k] = v;
      for (size_t i = 1; i < req.matches.size(); ++i) r.matches.push_back(req.matches[i]);
      r.body = req.body;
      r.remote_addr = req.remote_addr;
      try {
        out = h(r);
      } catch (const std::exception& e) {
        // Handlers return errors as values; an exception here is a bug, not a crash.
        spdlog::error("http {} {}: {}", method, req.path, e.what());
        out = HttpResponse::Error(500, "internal error");
      }
    }
    if (out.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.status = out.status;
    res.set_content(out.body, out.content_type);
  };
  if (method == "GET") impl_->server.Get(pattern, wrapped);
  else if (method == "POST") impl_->server.Post(pattern, wrapped);
  else if (method == "PUT") impl_->server.Put(pattern, wrapped);
  else impl_->server.Delete(pattern, wrapped);
}

void HttpServer::Get(const std::string& p, HttpHandler h) { Route("GET", p, std::move(h)); }
void HttpServer::Post(const std::string& p, HttpHandler h) { Route("POST", p, std::move(h)); }
void HttpServer::Put(const std::string& p, HttpHandler h) { Route("PUT", p, std::move(h)); }
void HttpServer::Delete(const std::string& p, HttpHandler h) { Route("DELETE", p, std::move(h)); }

Status HttpServer::Start() {
  if (!IsLoopback() && options_.token.empty())
    return Status::InvalidArgument("http.listen is " + options_.listen +
                                   ", beyond loopback: set http.token so that writes need a bearer token");
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
