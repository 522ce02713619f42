#pragma once
// The dashboard's files (web/), compiled into the binary by cmake/embed_assets.cmake.
#include <cstddef>
#include <string>
#include <vector>

namespace hostmind {

struct WebAsset {
  const char* path;          // relative to web/, e.g. "app.js"
  const char* content_type;
  const unsigned char* data;
  size_t size;
  const char* etag;          // a quoted content hash: "\"0123abcd...\""
};

const std::vector<WebAsset>& WebAssets();

}  // namespace hostmind
