// QR codes as SVG images, for the routes that show a payment QR (GET /v1/orders/{id}/vietqr.svg).
// The gateway owns the drawing; the payload comes from common/emvco.h. Pure function on
// libqrencode, which Debian builds with its internal lock, so any thread may call it. SVG is
// text, scales to any screen or printer without blur, and needs no image library.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace market4::gateway {

// Modules of light margin on each side of the symbol (ISO/IEC 18004 asks for 4).
inline constexpr int kQrQuietZoneModules = 4;
// The drawn size of one module when nothing scales the SVG.
inline constexpr int kQrPixelsPerModule = 8;

// `payload` (1..kMaxQrPayloadBytes bytes, no NUL) as a QR code symbol at error correction
// level M (15 % of the symbol may be lost), its bytes in 8-bit mode and case kept, drawn as a
// standalone SVG document: a white square of the symbol's width plus the quiet zone on each
// side, one unit per module (the viewBox), and one black <path> with every dark module, drawn
// with crisp edges. The image has no fixed size: the page gives it one.
// INVALID_ARGUMENT for a payload that is empty, too long or holds NUL; INTERNAL if libqrencode
// fails.
[[nodiscard]] Result<std::string> QrSvg(std::string_view payload);

}  // namespace market4::gateway
