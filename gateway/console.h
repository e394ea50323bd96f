// The web console (console/: HTML, CSS and JavaScript modules), served by market4d from a
// copy built into the binary (cmake/embed_console.cmake), or, for development, from a
// directory read at each request. The page is at "/"; every file is at
// /console/<bundle>/<path>, where <bundle> is a hash of all the files: those answers may be
// cached for good, and the page (never cached) names the current bundle. Every answer
// carries a Content-Security-Policy that allows no inline script or style. Immutable after
// construction; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http.h"

namespace market4::gateway {

struct ConsoleFile {
  const char* path;  // relative to console/, e.g. "app.js"
  std::string_view body;
};
// Every file of console/ as it was at build time, in path order (generated).
const std::vector<ConsoleFile>& BuiltInConsoleFiles();

class Console {
 public:
  // The built-in copy when `dir` is empty, else the files under `dir`, read at each request.
  explicit Console(std::string dir = "");

  // The page (console/index.html), with "{{BUNDLE}}" replaced by the bundle's hash.
  HttpResponse Index() const;
  // The file at `path` of bundle `bundle`: 404 unless both exist.
  HttpResponse File(std::string_view bundle, std::string_view path) const;

 private:
  struct Bundle {
    std::map<std::string, std::string, std::less<>> files;
    std::string hash;  // 16 hex digits of the SHA-256 of every path and body
  };
  static Bundle Make(std::map<std::string, std::string, std::less<>> files);
  // The built-in bundle, or the directory's as it is now (made in `fresh`).
  const Bundle& Load(Bundle* fresh) const;

  std::string dir_;
  Bundle built_in_;
};

}  // namespace market4::gateway
