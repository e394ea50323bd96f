#include "gateway/qr_svg.h"

#include <qrencode.h>

#include <memory>

#include "common/limits.h"

namespace market4::gateway {
namespace {

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrcodePtr = std::unique_ptr<QRcode, QrcodeFree>;

bool IsDark(const QRcode& code, int x, int y) { return code.data[y * code.width + x] & 1; }

// The path data of every dark module, one rectangle per horizontal run of them, in
// coordinates that include the quiet zone.
std::string DarkModulesPath(const QRcode& code) {
  std::string path;
  for (int y = 0; y < code.width; ++y) {
    for (int x = 0; x < code.width;) {
      if (!IsDark(code, x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < code.width && IsDark(code, x + run, y)) ++run;
      // A rectangle `run` modules wide and one high, drawn clockwise from its top left corner.
      path.append("M").append(std::to_string(x + kQrQuietZoneModules));
      path.append(" ").append(std::to_string(y + kQrQuietZoneModules));
      path.append("h").append(std::to_string(run)).append("v1h-").append(std::to_string(run));
      path.append("z");
      x += run;
    }
  }
  return path;
}

}  // namespace

Result<std::string> QrSvg(std::string_view payload) {
  if (payload.empty() || payload.size() > kMaxQrPayloadBytes) {
    return Status(Code::kInvalidArgument,
                  "a QR payload must hold 1 to " + std::to_string(kMaxQrPayloadBytes) + " bytes");
  }
  if (payload.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "a QR payload must not hold NUL");
  }
  const std::string text(payload);  // libqrencode reads a NUL-terminated string
  QrcodePtr code(QRcode_encodeString(text.c_str(), /*version=*/0, QR_ECLEVEL_M, QR_MODE_8,
                                     /*casesensitive=*/1));
  if (code == nullptr) return Status(Code::kInternal, "libqrencode could not encode the payload");

  const int modules = code->width + 2 * kQrQuietZoneModules;
  const std::string size = std::to_string(modules);
  // Drawn kQrPixelsPerModule pixels a module unless the page scales it (the viewBox keeps it
  // sharp at any size): small enough for a phone screen, large enough for a camera.
  const std::string pixels = std::to_string(modules * kQrPixelsPerModule);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + pixels + "\" height=\"" +
                    pixels + "\" viewBox=\"0 0 " + size + " " + size +
                    "\" shape-rendering=\"crispEdges\">";
  svg += "<rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/>";
  svg.append("<path fill=\"#000\" d=\"").append(DarkModulesPath(*code)).append("\"/>");
  svg.append("</svg>\n");
  return svg;
}

}  // namespace market4::gateway
