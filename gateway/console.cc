#include "gateway/console.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "gateway/codec.h"

namespace market4::gateway {
namespace {

constexpr std::string_view kBundleMark = "{{BUNDLE}}";
constexpr char kPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

std::string_view TypeOf(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

HttpResponse WithHeaders(HttpResponse response, std::string_view cache) {
  response.headers.emplace_back("Cache-Control", std::string(cache));
  response.headers.emplace_back("Content-Security-Policy", kPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Permissions-Policy",
                                "camera=(self), microphone=(), geolocation=()");
  return response;
}

HttpResponse NotFound() {
  return WithHeaders(ErrorResponse(404, "NOT_FOUND", "no such console file", Format::kJson),
                     "no-store");
}

// Plain relative paths only: letters, digits, '.', '-', '_' and '/', no empty, "." or ".."
// segment. The built-in copy is a lookup; this matters for a directory.
bool IsPlainPath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  for (char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_' || c == '/';
    if (!plain) return false;
  }
  return path.find("//") == std::string_view::npos && !path.starts_with("./") &&
         path.find("/./") == std::string_view::npos && path.find("..") == std::string_view::npos;
}

std::map<std::string, std::string, std::less<>> ReadDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string, std::less<>> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file()) continue;
    std::string path = fs::relative(it->path(), dir).generic_string();
    if (path.starts_with("tests/") || !IsPlainPath(path)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    files[path] = body.str();
  }
  return files;
}

}  // namespace

Console::Console(std::string dir) : dir_(std::move(dir)) {
  if (!dir_.empty()) return;
  std::map<std::string, std::string, std::less<>> files;
  for (const ConsoleFile& file : BuiltInConsoleFiles()) files[file.path] = file.body;
  built_in_ = Make(std::move(files));
}

Console::Bundle Console::Make(std::map<std::string, std::string, std::less<>> files) {
  std::string all;
  for (const auto& [path, body] : files) {
    all += path + '\n' + std::to_string(body.size()) + '\n' + body;
  }
  Sha256Digest digest = Sha256(all);
  std::string hash = HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 8));
  return {std::move(files), std::move(hash)};
}

const Console::Bundle& Console::Load(Bundle* fresh) const {
  if (dir_.empty()) return built_in_;
  *fresh = Make(ReadDir(dir_));
  return *fresh;
}

HttpResponse Console::Index() const {
  Bundle fresh;
  const Bundle& bundle = Load(&fresh);
  auto found = bundle.files.find("index.html");
  if (found == bundle.files.end()) return NotFound();
  std::string page = found->second;
  for (auto at = page.find(kBundleMark); at != std::string::npos; at = page.find(kBundleMark)) {
    page.replace(at, kBundleMark.size(), bundle.hash);
  }
  return WithHeaders({200, std::string(TypeOf("index.html")), std::move(page), {}}, "no-cache");
}

HttpResponse Console::File(std::string_view bundle_hash, std::string_view path) const {
  if (!IsPlainPath(path)) return NotFound();
  Bundle fresh;
  const Bundle& bundle = Load(&fresh);
  auto found = bundle.files.find(path);
  if (bundle_hash != bundle.hash || found == bundle.files.end()) return NotFound();
  return WithHeaders({200, std::string(TypeOf(path)), found->second, {}},
                     "public, max-age=31536000, immutable");
}

}  // namespace market4::gateway
