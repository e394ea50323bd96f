// CSV answers (RFC 4180): reports, statements and reconciliation differences for operators'
// and merchants' spreadsheets. Text fields are quoted when they need to be, and a text field
// that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with an
// apostrophe; numbers are written bare. Stateless; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http.h"

namespace market4::gateway {

inline constexpr char kCsvType[] = "text/csv; charset=utf-8";

// Whether the client asked for CSV: `Accept: text/csv` or `?format=csv`.
bool WantsCsv(const HttpRequest& request, std::string_view format_parameter);

// One text field, quoted and defused as above.
std::string CsvText(std::string_view text);

// Builds a CSV body row by row; every row ends with CRLF.
class CsvWriter {
 public:
  CsvWriter& Text(std::string_view text);
  CsvWriter& Number(std::int64_t number);
  // Ends the row.
  CsvWriter& End();
  const std::string& body() const { return body_; }

 private:
  void Separate();
  std::string body_;
  bool row_started_ = false;
};

// A 200 with the CSV body, offered for download as `filename`.
HttpResponse CsvResponse(std::string body, std::string_view filename);

}  // namespace market4::gateway
