// QR codes as SVG: a real reader decodes them (rsvg-convert draws the SVG as a PNG, zbarimg
// reads it; both come from scripts/install-deps.sh and their absence fails the test), and the
// module grid drawn equals libqrencode's own matrix.
#include "gateway/qr_svg.h"

#include <gtest/gtest.h>
#include <qrencode.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/emvco.h"
#include "common/limits.h"

namespace market4::gateway {
namespace qr_svg_test {

struct ShellRun {
  int status = -1;
  std::string output;  // standard output
};

// Runs `command` with /bin/sh.
ShellRun Shell(const std::string& command) {
  ShellRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    run.output.append(buffer, n);
  }
  run.status = pclose(pipe);
  return run;
}

bool HaveTool(const std::string& name) {
  return Shell("command -v " + name + " >/dev/null 2>&1").status == 0;
}

// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "qr_svg_test.XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::vector<std::string> Payloads() {
  VietQrTransfer order{.bank_bin = "970436",
                       .account_number = "1012345678",
                       .amount = 80'000,
                       .payment_code = "M4X2M6AKC2",
                       .merchant_name = "CO BA RAU SACH"};
  StallQr stall{.request_code = "M4D7AKU3YC", .merchant_name = "Co Ba", .city = "Vi Thanh"};
  return {
      VietQrPayload(order).value(),
      StallQrPayload(stall).value(),
      // NAPAS's dynamic example (VietQR specification 1.0, section 6.1.3).
      "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704540618000"
      "05802VN62340107NPS68690819thanh toan don hang63042E2E",
      "a",
      std::string(kMaxQrPayloadBytes, 'z'),
  };
}

TEST(QrSvgTest, AReaderDecodesThePayload) {
  ASSERT_TRUE(HaveTool("rsvg-convert")) << "rsvg-convert is missing: run scripts/install-deps.sh "
                                           "(Debian package librsvg2-bin)";
  ASSERT_TRUE(HaveTool("zbarimg"))
      << "zbarimg is missing: run scripts/install-deps.sh (Debian package zbar-tools)";
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string svg_path = (dir.path() / "qr.svg").string();
  const std::string png_path = (dir.path() / "qr.png").string();
  for (const std::string& payload : Payloads()) {
    SCOPED_TRACE(payload);
    Result<std::string> svg = QrSvg(payload);
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    std::ofstream(svg_path) << svg.value();
    ShellRun render = Shell("rsvg-convert --background-color=white -o '" + png_path + "' '" +
                            svg_path + "' 2>&1");
    ASSERT_EQ(render.status, 0) << render.output;
    ShellRun decoded =
        Shell("zbarimg --quiet --nodbus --raw -Sdisable -Sqrcode.enable '" + png_path + "'");
    ASSERT_EQ(decoded.status, 0) << "zbarimg found no QR code";
    EXPECT_EQ(decoded.output, payload + "\n");
  }
}

// Reads the digits at `*at` as a number and moves past them; -1 if there are none.
int ReadNumber(std::string_view text, std::size_t* at) {
  int number = -1;
  for (; *at < text.size() && text[*at] >= '0' && text[*at] <= '9'; ++*at) {
    number = (number < 0 ? 0 : number * 10) + (text[*at] - '0');
  }
  return number;
}

// True when `text` at `*at` starts with `word`, then moves past it.
bool ReadWord(std::string_view text, std::string_view word, std::size_t* at) {
  if (text.substr(*at, word.size()) != word) return false;
  *at += word.size();
  return true;
}

// Dark modules drawn by the SVG, quiet zone included, read back from its one path: a sequence
// of "M<x> <y>h<n>v1h-<n>z" (a run of n modules); anything else fails the test.
std::vector<std::vector<bool>> DrawnGrid(std::string_view svg, int size) {
  std::vector<std::vector<bool>> grid(size, std::vector<bool>(size, false));
  constexpr std::string_view kOpen = "<path fill=\"#000\" d=\"";
  std::size_t begin = svg.find(kOpen);
  EXPECT_NE(begin, std::string_view::npos);
  EXPECT_EQ(svg.find("<path", begin + 1), std::string_view::npos) << "more than one path";
  begin += kOpen.size();
  const std::string_view data = svg.substr(begin, svg.find('"', begin) - begin);
  for (std::size_t at = 0; at < data.size();) {
    int x = -1, y = -1, width = -1, back = -1;
    bool ok = ReadWord(data, "M", &at) && (x = ReadNumber(data, &at)) >= 0 &&
              ReadWord(data, " ", &at) && (y = ReadNumber(data, &at)) >= 0 &&
              ReadWord(data, "h", &at) && (width = ReadNumber(data, &at)) > 0 &&
              ReadWord(data, "v1h-", &at) && (back = ReadNumber(data, &at)) == width &&
              ReadWord(data, "z", &at);
    if (!ok || y >= size || x + width > size) {
      ADD_FAILURE() << "unexpected path data at " << at;
      return grid;
    }
    for (int i = 0; i < width; ++i) {
      EXPECT_FALSE(grid[y][x + i]) << "module drawn twice";
      grid[y][x + i] = true;
    }
  }
  return grid;
}

TEST(QrSvgTest, DrawsLibqrencodesMatrixWithAQuietZone) {
  for (const std::string& payload : Payloads()) {
    SCOPED_TRACE(payload);
    QRcode* code = QRcode_encodeString(payload.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    ASSERT_NE(code, nullptr);
    const int width = code->width;
    const int size = width + 2 * kQrQuietZoneModules;
    Result<std::string> svg = QrSvg(payload);
    ASSERT_TRUE(svg.ok());
    const std::string n = std::to_string(size);
    const std::string px = std::to_string(size * kQrPixelsPerModule);
    EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px +
                                 "\" height=\"" + px + "\" viewBox=\"0 0 " + n + " " + n +
                                 "\" shape-rendering=\"crispEdges\">"));
    EXPECT_NE(svg->find("<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/>"),
              std::string::npos);
    EXPECT_TRUE(svg->ends_with("</svg>\n"));
    std::vector<std::vector<bool>> grid = DrawnGrid(svg.value(), size);
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        int qx = x - kQrQuietZoneModules, qy = y - kQrQuietZoneModules;
        bool dark =
            qx >= 0 && qy >= 0 && qx < width && qy < width && (code->data[qy * width + qx] & 1);
        ASSERT_EQ(grid[y][x], dark) << "module " << x << "," << y;
      }
    }
    QRcode_free(code);
  }
}

TEST(QrSvgTest, Refusals) {
  EXPECT_EQ(QrSvg("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string("ab\0cd", 5)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string(kMaxQrPayloadBytes + 1, 'z')).status().code(),
            Code::kInvalidArgument);
}

}  // namespace qr_svg_test
}  // namespace market4::gateway
