#include "gateway/framing.h"

#include <algorithm>
#include <vector>

namespace market4::gateway {

namespace beast = boost::beast;
namespace http = beast::http;

// Obsolete line folding (RFC 9112 §5.2): a header line that starts with a space or a tab
// continues the previous one. Beast unfolds it silently, and other servers and proxies read
// it differently, so it is refused. `head` is the request line and header lines, each ending
// in CRLF, without the blank line.
bool HasObsoleteLineFolding(std::string_view head) {
  for (std::size_t i = head.find('\n'); i != std::string_view::npos && i + 1 < head.size();
       i = head.find('\n', i + 1)) {
    if (head[i + 1] == ' ' || head[i + 1] == '\t') return true;
  }
  return false;
}

namespace {

// Whether `target` (origin-form) is /v1/providers/{id}/settlements/{date}, query aside.
bool IsSettlementTarget(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> segments;
  while (!target.empty() && target.front() == '/') {
    target.remove_prefix(1);
    std::string_view segment = target.substr(0, target.find('/'));
    segments.push_back(segment);
    target.remove_prefix(segment.size());
  }
  return target.empty() && segments.size() == 5 && segments[0] == "v1" &&
         segments[1] == "providers" && !segments[2].empty() && segments[3] == "settlements" &&
         !segments[4].empty();
}

}  // namespace

std::size_t BodyLimitFor(std::string_view head, const ServerOptions& options) {
  std::string_view line = head.substr(0, head.find('\r'));
  std::string_view method = line.substr(0, line.find(' '));
  std::string_view rest = line.substr(std::min(line.size(), method.size() + 1));
  std::string_view target = rest.substr(0, rest.find(' '));
  if (method == "POST" && IsSettlementTarget(target)) return options.max_settlement_body_bytes;
  return options.max_body_bytes;
}

// RFC 9112 §6.1, §6.3: when a body's length is ambiguous, a second request can hide in the
// first one's body (request smuggling). So Transfer-Encoding is accepted only as exactly
// "chunked" (we support no other coding), never next to Content-Length, never in HTTP/1.0;
// several Transfer-Encoding lines form one list. Returns what is wrong, if anything.
std::optional<std::string_view> FramingProblem(const RequestParser& parser) {
  const auto& header = parser.get();
  auto [first, last] = header.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  if (header.count(http::field::content_length) > 0) {
    return "Transfer-Encoding and Content-Length together";
  }
  if (header.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
  std::vector<std::string_view> codings;
  for (auto field = first; field != last; ++field) {
    std::string_view list = field->value();
    while (!list.empty()) {
      std::string_view coding = list.substr(0, list.find(','));
      list.remove_prefix(std::min(list.size(), coding.size() + 1));
      coding.remove_prefix(std::min(coding.size(), coding.find_first_not_of(" \t")));
      coding = coding.substr(0, coding.find_last_not_of(" \t") + 1);
      if (!coding.empty()) codings.push_back(coding);  // empty list elements are allowed
    }
  }
  if (codings.size() != 1 || !beast::iequals(codings[0], "chunked") || !parser.chunked()) {
    return "Transfer-Encoding other than chunked";
  }
  return std::nullopt;
}

}  // namespace market4::gateway
