#include "tools/ctl_output.h"

// Boost.JSON, header-only: this is the one translation unit that compiles its sources.
#include <algorithm>
#include <boost/json/src.hpp>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <utility>
#include <vector>

namespace market4::tools {
namespace {

namespace json = boost::json;

constexpr std::size_t kColumnGap = 2;
constexpr int kBarWidth = 30;
constexpr int kPercent = 100;
constexpr double kBytesPerMebibyte = 1024.0 * 1024.0;
constexpr std::chrono::milliseconds kSpinnerPeriod{200};
constexpr char kSpinnerFrames[] = "|/-\\";

using Row = std::vector<std::pair<std::string, std::string>>;

// Characters as a terminal shows them: UTF-8 code points (Vietnamese text is precomposed).
std::size_t Width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string Pad(const std::string& text, std::size_t width) {
  std::size_t shown = Width(text);
  return text + std::string(width > shown ? width - shown : 0, ' ');
}

std::string Scalar(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return std::string(value.get_string());
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case json::kind::null:
      return "";
    default:
      return json::serialize(value);  // doubles, and arrays of scalars
  }
}

bool IsTable(const json::value& value) {
  if (!value.is_array() || value.get_array().empty()) return false;
  for (const auto& item : value.get_array()) {
    if (!item.is_object()) return false;
  }
  return true;
}

// Scalars of `object` as (dotted name, text), nested objects flattened; arrays of objects go
// to `tables` (when given) instead. Empty strings are left out: in proto3 they mean unset
// (the server prints every field, "next_page_token": "" included).
void Flatten(const json::object& object, const std::string& prefix, Row* row,
             std::vector<std::pair<std::string, const json::array*>>* tables) {
  for (const auto& [key, value] : object) {
    std::string name = prefix + std::string(key);
    if (value.is_null() || (value.is_string() && value.get_string().empty())) continue;
    if (value.is_object()) {
      Flatten(value.get_object(), name + ".", row, tables);
    } else if (IsTable(value) && tables) {
      tables->emplace_back(name, &value.get_array());
    } else if (value.is_array() && value.get_array().empty()) {
      row->emplace_back(name, "(none)");
    } else {
      row->emplace_back(name, Scalar(value));
    }
  }
}

void WriteTable(const json::array& items, std::ostream& out) {
  std::vector<std::string> columns;
  std::vector<std::size_t> widths;
  std::vector<std::vector<std::string>> cells;
  for (const auto& item : items) {
    Row row;
    Flatten(item.get_object(), "", &row, nullptr);
    std::vector<std::string> line(columns.size());
    for (const auto& [name, text] : row) {
      auto at = std::find(columns.begin(), columns.end(), name);
      if (at == columns.end()) {
        columns.push_back(name);
        widths.push_back(Width(name));
        line.emplace_back();
        at = columns.end() - 1;
      }
      std::size_t i = static_cast<std::size_t>(at - columns.begin());
      if (line.size() <= i) line.resize(i + 1);
      line[i] = text;
      widths[i] = std::max(widths[i], Width(text));
    }
    cells.push_back(std::move(line));
  }
  auto write_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string cell = i < line.size() ? line[i] : "";
      text += i + 1 == columns.size() ? cell : Pad(cell, widths[i] + kColumnGap);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  std::vector<std::string> header;
  for (const auto& column : columns) header.push_back(column);
  for (auto& name : header) {
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  write_line(header);
  for (const auto& line : cells) write_line(line);
}

void WriteObject(const json::object& object, std::ostream& out) {
  Row row;
  std::vector<std::pair<std::string, const json::array*>> tables;
  Flatten(object, "", &row, &tables);
  std::size_t width = 0;
  for (const auto& [name, text] : row) width = std::max(width, Width(name));
  for (const auto& [name, text] : row) out << Pad(name, width + kColumnGap) << text << "\n";
  for (const auto& [name, items] : tables) {
    if (!row.empty() || tables.size() > 1) out << "\n" << name << ":\n";
    WriteTable(*items, out);
  }
}

std::string Amount(std::uint64_t value, ProgressBar::Unit unit) {
  if (unit == ProgressBar::Unit::kCount) return std::to_string(value);
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(value) / kBytesPerMebibyte);
  return text;
}

}  // namespace

Result<std::string> RenderJson(const std::string& text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return Status(Code::kInvalidArgument, "the server's answer is not JSON: " + ec.message());
  std::ostringstream out;
  if (value.is_object()) {
    WriteObject(value.get_object(), out);
  } else if (IsTable(value)) {
    WriteTable(value.get_array(), out);
  } else {
    out << Scalar(value) << "\n";
  }
  return out.str();
}

std::string DescribeErrorBody(const std::string& body) {
  json::error_code ec;
  json::value value = json::parse(body, ec);
  if (!ec && value.is_object()) {
    const auto& object = value.get_object();
    const json::value* code = object.if_contains("code");
    const json::value* message = object.if_contains("message");
    if (code && code->is_string()) {
      std::string text(code->get_string());
      if (message && message->is_string()) text += ": " + std::string(message->get_string());
      return text;
    }
  }
  std::string trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.pop_back();
  }
  return trimmed;
}

ProgressBar::ProgressBar(std::ostream& err, bool enabled, std::string label, Unit unit)
    : err_(err), enabled_(enabled), label_(std::move(label)), unit_(unit) {}

void ProgressBar::Update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  int percent = total == 0 ? kPercent : static_cast<int>(std::min(done, total) * kPercent / total);
  if (percent == last_percent_) return;  // redraw only when something visible changes
  last_percent_ = percent;
  int filled = percent * kBarWidth / kPercent;
  std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '.');
  std::string suffix = unit_ == Unit::kBytes ? " MiB" : "";
  err_ << "\r" << label_ << " [" << bar << "] " << percent << "%  " << Amount(done, unit_) << "/"
       << Amount(total, unit_) << suffix << std::flush;
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (drawn_) err_ << "\n" << std::flush;
  drawn_ = false;
}

Spinner::Spinner(std::ostream& err, bool enabled, std::string label)
    : err_(err), label_(std::move(label)) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    auto start = std::chrono::steady_clock::now();
    for (std::size_t frame = 0; !stop_; ++frame) {
      auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
              .count();
      err_ << "\r" << label_ << " " << kSpinnerFrames[frame % 4] << " " << seconds << " s"
           << std::flush;
      std::this_thread::sleep_for(kSpinnerPeriod);
    }
    err_ << "\r" << std::string(Width(label_) + 16, ' ') << "\r" << std::flush;
  });
}

Spinner::~Spinner() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace market4::tools
