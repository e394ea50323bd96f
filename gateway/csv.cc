#include "gateway/csv.h"

namespace market4::gateway {

bool WantsCsv(const HttpRequest& request, std::string_view format_parameter) {
  if (format_parameter == "csv") return true;
  std::string_view accept = request.Header("Accept");
  for (std::size_t i = 0; i + 8 <= accept.size(); ++i) {
    if (AsciiEqualsIgnoreCase(accept.substr(i, 8), "text/csv")) return true;
  }
  return false;
}

std::string CsvText(std::string_view text) {
  std::string field;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    field.push_back('\'');
  }
  field.append(text);
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

void CsvWriter::Separate() {
  if (row_started_) body_.push_back(',');
  row_started_ = true;
}

CsvWriter& CsvWriter::Text(std::string_view text) {
  Separate();
  body_ += CsvText(text);
  return *this;
}

CsvWriter& CsvWriter::Number(std::int64_t number) {
  Separate();
  body_ += std::to_string(number);
  return *this;
}

CsvWriter& CsvWriter::End() {
  body_ += "\r\n";
  row_started_ = false;
  return *this;
}

HttpResponse CsvResponse(std::string body, std::string_view filename) {
  HttpResponse response{200, kCsvType, std::move(body), {}};
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + std::string(filename) + "\"");
  return response;
}

}  // namespace market4::gateway
