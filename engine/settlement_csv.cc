// The settlement CSV reader (settlement_csv.h). Each line is checked in order: UTF-8, then
// quoting and the number of fields, then each field; the first problem found is the line's
// error.
#include "engine/settlement_csv.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <array>
#include <charconv>
#include <optional>

#include "common/limits.h"
#include "engine/rails.h"

namespace market4::engine {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::size_t kColumns = 5;
constexpr std::array<std::string_view, kColumns> kColumnNames = {"provider_txn_id", "type",
                                                                 "amount", "fee", "time"};
constexpr std::array<std::string_view, 4> kTypes = {kTopUpSucceeded, kPaymentSucceeded,
                                                    kPayoutSucceeded, kBankCredit};

// The length of the UTF-8 sequence at `text[i]`, or 0 if it is not a valid one (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
std::size_t Utf8SequenceAt(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char first = byte(i);
  if (first < 0x80) return 1;
  std::size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC2 ? 2 : 0;
  if (length == 0 || first > 0xF4 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  unsigned char second = byte(i + 1);
  if (first == 0xE0 && second < 0xA0) return 0;  // overlong
  if (first == 0xED && second > 0x9F) return 0;  // surrogate
  if (first == 0xF0 && second < 0x90) return 0;  // overlong
  if (first == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
  return length;
}

// The 1-based column of the first byte that is not valid UTF-8, or nullopt.
std::optional<std::size_t> InvalidUtf8At(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = Utf8SequenceAt(text, i);
    if (length == 0) return i + 1;
    i += length;
  }
  return std::nullopt;
}

// Bytes of a line quoted back in an error, at most.
constexpr std::size_t kMaxEchoBytes = 64;

// `text` (valid UTF-8) quoted for an error message, cut at a character boundary if long.
std::string Echo(std::string_view text) {
  if (text.size() <= kMaxEchoBytes) return "\"" + std::string(text) + "\"";
  std::size_t end = kMaxEchoBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return "\"" + std::string(text.substr(0, end)) + "...\"";
}

// The fields of one line, or the error of its quoting.
Result<std::vector<std::string>> SplitFields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    std::string field;
    std::string number = std::to_string(fields.size() + 1);
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i == line.size()) {
          return Status(Code::kInvalidArgument, "field " + number + ": unterminated quote");
        }
        if (line[i] != '"') {
          field.push_back(line[i]);
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < line.size() && line[i] != ',') {
        return Status(Code::kInvalidArgument,
                      "field " + number + ": characters after the closing quote");
      }
    } else {
      for (; i < line.size() && line[i] != ','; ++i) {
        if (line[i] == '"') {
          return Status(Code::kInvalidArgument,
                        "field " + number + ": a quote inside an unquoted field");
        }
        field.push_back(line[i]);
      }
    }
    fields.push_back(std::move(field));
    if (i == line.size()) return fields;
    ++i;  // the comma
  }
}

// A whole number of dong in 0..kMaxSettlementAmountDong, or why not.
Result<std::int64_t> ParseDong(std::string_view text, const std::string& name) {
  if (text.empty()) return Status(Code::kInvalidArgument, name + " is empty");
  if (text.front() == '-') {
    return Status(Code::kInvalidArgument, name + " must not be negative: " + Echo(text));
  }
  std::int64_t value = 0;
  bool digits = text.find_first_not_of("0123456789") == std::string_view::npos;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits || end != text.data() + text.size()) {
    return Status(Code::kInvalidArgument, name + " is not a whole number of dong: " + Echo(text));
  }
  if (error != std::errc() || value > kMaxSettlementAmountDong) {
    return Status(Code::kInvalidArgument,
                  name + " exceeds " + std::to_string(kMaxSettlementAmountDong));
  }
  return value;
}

Status CheckTxnId(std::string_view id) {
  if (id.empty()) return Status(Code::kInvalidArgument, "provider_txn_id is empty");
  if (id.size() > kMaxProviderTxnIdBytes) {
    return Status(Code::kInvalidArgument, "provider_txn_id is longer than " +
                                              std::to_string(kMaxProviderTxnIdBytes) + " bytes");
  }
  for (char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status(Code::kInvalidArgument, "provider_txn_id holds a control character");
    }
  }
  return Status::Ok();
}

std::string TypeList() {
  std::string list;
  for (std::string_view type : kTypes) {
    if (!list.empty()) list += ", ";
    list += type;
  }
  return list;
}

// The instant of `time` in nanoseconds since the epoch; nullopt when int64 cannot hold it
// (before 1677-09-21 or after 2262-04-11), where TimeUtil::TimestampToNanoseconds would
// overflow and give another instant.
std::optional<std::int64_t> NanosecondsOf(const google::protobuf::Timestamp& time) {
  std::int64_t nanos = 0;
  if (__builtin_mul_overflow(time.seconds(), std::int64_t{1'000'000'000}, &nanos) ||
      __builtin_add_overflow(nanos, std::int64_t{time.nanos()}, &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

// One data line's fields as a row, or the first error among them.
Result<SettlementRow> ReadRow(std::uint32_t number, std::vector<std::string> fields) {
  if (fields.size() != kColumns) {
    return Status(Code::kInvalidArgument, "expected " + std::to_string(kColumns) +
                                              " fields, found " + std::to_string(fields.size()));
  }
  SettlementRow row;
  row.line = number;
  if (Status s = CheckTxnId(fields[0]); !s.ok()) return s;
  row.provider_txn_id = std::move(fields[0]);
  if (!IsSettlementType(fields[1])) {
    return Status(Code::kInvalidArgument,
                  "unknown type " + Echo(fields[1]) + ": expected one of " + TypeList());
  }
  row.type = std::move(fields[1]);
  auto amount = ParseDong(fields[2], "amount");
  if (!amount.ok()) return amount.status();
  row.amount = amount.value();
  auto fee = ParseDong(fields[3], "fee");
  if (!fee.ok()) return fee.status();
  row.fee = fee.value();
  google::protobuf::Timestamp time;
  if (fields[4].empty() || !google::protobuf::util::TimeUtil::FromString(fields[4], &time)) {
    return Status(
        Code::kInvalidArgument,
        "time is not an RFC 3339 timestamp (2026-11-28T09:30:00+07:00): " + Echo(fields[4]));
  }
  std::optional<std::int64_t> nanos = NanosecondsOf(time);
  if (!nanos) {
    return Status(Code::kInvalidArgument,
                  "time is outside 1677-09-21 to 2262-04-11: " + Echo(fields[4]));
  }
  row.time_ns = *nanos;
  return row;
}

// A line's fields, after its UTF-8 and quoting are checked.
Result<std::vector<std::string>> FieldsOf(std::string_view line) {
  if (auto column = InvalidUtf8At(line)) {
    return Status(Code::kInvalidArgument, "invalid UTF-8 at byte " + std::to_string(*column));
  }
  return SplitFields(line);
}

Status CheckHeader(std::string_view line) {
  auto fields = FieldsOf(line);
  bool right = fields.ok() && fields->size() == kColumns;
  for (std::size_t i = 0; right && i < kColumns; ++i) right = fields.value()[i] == kColumnNames[i];
  if (right) return Status::Ok();
  return Status(Code::kInvalidArgument, std::string("expected the header ") + kSettlementHeader +
                                            ", found " +
                                            (fields.ok() ? Echo(line) : fields.status().message()));
}

// The file's lines without their line ends, trailing blank lines dropped.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace

bool IsSettlementType(std::string_view type) {
  for (std::string_view known : kTypes) {
    if (type == known) return true;
  }
  return false;
}

Result<SettlementFile> ParseSettlementCsv(std::string_view text) {
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  std::vector<std::string_view> lines = Lines(text);
  SettlementFile file;
  if (lines.empty()) {
    file.malformed.push_back(
        {1, std::string("the file is empty: expected the header ") + kSettlementHeader});
    return file;
  }
  if (lines.size() - 1 > kMaxSettlementRows) {
    return Status(Code::kInvalidArgument, "the file has " + std::to_string(lines.size() - 1) +
                                              " data lines, more than " +
                                              std::to_string(kMaxSettlementRows))
        .WithDetail("max_rows", std::to_string(kMaxSettlementRows));
  }
  if (Status s = CheckHeader(lines[0]); !s.ok()) file.malformed.push_back({1, s.message()});
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto number = static_cast<std::uint32_t>(i + 1);
    if (lines[i].empty()) {
      file.malformed.push_back({number, "empty line"});
      continue;
    }
    auto fields = FieldsOf(lines[i]);
    auto row = fields.ok() ? ReadRow(number, std::move(fields).value())
                           : Result<SettlementRow>(fields.status());
    if (row.ok()) {
      file.rows.push_back(std::move(row).value());
    } else {
      file.malformed.push_back({number, row.status().message()});
    }
  }
  return file;
}

}  // namespace market4::engine
