// The web console's files (gateway/console.h): the page names the bundle's hash, files are
// served only under it with immutable caching, every answer carries the security headers,
// and the built-in copy is console/ as it is in the source tree.
#include "gateway/console.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/test_util.h"

namespace market4::gateway {
namespace {

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

void Write(const std::string& path, const std::string& body) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << body;
}

// The bundle hash the page names: what follows "/console/" up to the next '/'.
std::string BundleOf(const std::string& page) {
  auto at = page.find("/console/");
  if (at == std::string::npos) return "";
  at += 9;
  return page.substr(at, page.find('/', at) - at);
}

void ExpectSecurityHeaders(const HttpResponse& response) {
  std::string policy = HeaderOf(response, "Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("style-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
  EXPECT_EQ(HeaderOf(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(response, "Referrer-Policy"), "no-referrer");
}

class ConsoleDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_.Sub("index.html"),
          "<script type=\"module\" src=\"/console/{{BUNDLE}}/app.js\"></script>"
          "<link rel=\"stylesheet\" href=\"/console/{{BUNDLE}}/style.css\">");
    Write(dir_.Sub("app.js"), "import {t} from './i18n/vi.js';");
    Write(dir_.Sub("i18n/vi.js"), "export const t = 'Đã nhận';");
    Write(dir_.Sub("style.css"), "body{margin:0}");
    Write(dir_.Sub("tests/unit.js"), "not served");
  }
  testing::TempDir dir_;
};

TEST_F(ConsoleDirTest, ThePageNamesTheBundleAndIsNeverCached) {
  Console console(dir_.path());
  HttpResponse page = console.Index();
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
  ExpectSecurityHeaders(page);
  std::string bundle = BundleOf(page.body);
  EXPECT_EQ(bundle.size(), 16u) << page.body;
  EXPECT_EQ(page.body.find("{{BUNDLE}}"), std::string::npos);
  EXPECT_NE(page.body.find("/console/" + bundle + "/style.css"), std::string::npos);
}

TEST_F(ConsoleDirTest, FilesAreServedUnderTheBundleWithTheirTypesAndCachedForGood) {
  Console console(dir_.path());
  std::string bundle = BundleOf(console.Index().body);
  const std::map<std::string, std::string> types = {
      {"app.js", "text/javascript; charset=utf-8"},
      {"i18n/vi.js", "text/javascript; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"}};
  for (const auto& [path, type] : types) {
    HttpResponse file = console.File(bundle, path);
    ASSERT_EQ(file.status, 200) << path;
    EXPECT_EQ(file.content_type, type) << path;
    EXPECT_EQ(HeaderOf(file, "Cache-Control"), "public, max-age=31536000, immutable");
    ExpectSecurityHeaders(file);
  }
  EXPECT_EQ(console.File(bundle, "i18n/vi.js").body, "export const t = 'Đã nhận';");
  // Another bundle, files that are not there, tests and paths that climb are 404.
  for (const auto& [hash, path] : std::map<std::string, std::string>{{"0000000000000000", "app.js"},
                                                                     {bundle, "nope.js"},
                                                                     {bundle, "tests/unit.js"},
                                                                     {bundle, "../app.js"},
                                                                     {bundle, "i18n/../app.js"},
                                                                     {bundle, "/etc/passwd"},
                                                                     {bundle, ""},
                                                                     {bundle, "i18n//vi.js"}}) {
    HttpResponse refused = console.File(hash, path);
    EXPECT_EQ(refused.status, 404) << hash << " " << path;
    ExpectSecurityHeaders(refused);
  }
}

TEST_F(ConsoleDirTest, AChangedFileMakesANewBundle) {
  Console console(dir_.path());
  std::string before = BundleOf(console.Index().body);
  Write(dir_.Sub("style.css"), "body{margin:1px}");
  std::string after = BundleOf(console.Index().body);
  EXPECT_NE(after, before);
  EXPECT_EQ(console.File(before, "style.css").status, 404);
  EXPECT_EQ(console.File(after, "style.css").body, "body{margin:1px}");
}

// The copy built into the binary is console/ of the source tree, file for file.
TEST(BuiltInConsoleTest, IsTheSourceTreesConsole) {
  namespace fs = std::filesystem;
  const std::string dir = std::string(MARKET4_SOURCE_DIR) + "/console";
  std::map<std::string, std::string> on_disk;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string path = fs::relative(entry.path(), dir).generic_string();
    if (!entry.is_regular_file() || path.starts_with("tests/") || path.starts_with(".")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    on_disk[path] = body.str();
  }
  std::map<std::string, std::string> built_in;
  for (const ConsoleFile& file : BuiltInConsoleFiles()) built_in[file.path] = file.body;
  EXPECT_EQ(built_in, on_disk);
  ASSERT_TRUE(built_in.count("index.html"));
  Console console;
  HttpResponse page = console.Index();
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(console.File(BundleOf(page.body), "index.html").body, built_in["index.html"]);
}

}  // namespace
}  // namespace market4::gateway
