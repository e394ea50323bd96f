// An EMVCo QR parser written for the tests from the specification (EMV QRCPS-MPM 4.1), not
// from the builder in common/emvco.h, with a bit-by-bit CRC-16/CCITT-FALSE: every payload a test
// sees (built directly, or answered by a route) is read back with it. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/emvco.h"
#include "tests/common/reference_crc.h"

namespace market4::tlv {

struct DataObject {
  std::string id;
  std::string value;
};

inline bool TwoDigits(std::string_view text, std::size_t at) {
  return std::isdigit(static_cast<unsigned char>(text[at])) &&
         std::isdigit(static_cast<unsigned char>(text[at + 1]));
}

// EMV QRCPS-MPM section 4.1: two digits of ID, two digits of length ("01"-"99"), then that many
// characters. False when the text is not exactly a sequence of such objects.
inline bool ParseObjects(std::string_view text, std::vector<DataObject>* objects) {
  objects->clear();
  for (std::size_t at = 0; at < text.size();) {
    if (text.size() - at < 4 || !TwoDigits(text, at) || !TwoDigits(text, at + 2)) return false;
    std::size_t length = static_cast<std::size_t>((text[at + 2] - '0') * 10 + (text[at + 3] - '0'));
    if (length == 0 || text.size() - at - 4 < length) return false;
    objects->push_back({std::string(text.substr(at, 2)), std::string(text.substr(at + 4, length))});
    at += 4 + length;
  }
  return true;
}

// The objects of `text` by ID; fails the test on a parse error or a repeated ID.
inline std::map<std::string, std::string> Objects(std::string_view text) {
  std::vector<DataObject> list;
  EXPECT_TRUE(ParseObjects(text, &list)) << text;
  std::map<std::string, std::string> by_id;
  for (const DataObject& object : list) {
    EXPECT_TRUE(by_id.emplace(object.id, object.value).second) << "repeated ID " << object.id;
  }
  return by_id;
}

// The value at `path` ({"38", "01", "00"}: ID 38, its sub-ID 01, that one's sub-ID 00), or
// "<absent>".
inline std::string At(std::string_view payload, std::vector<std::string> path) {
  std::string text(payload);
  for (const std::string& id : path) {
    std::map<std::string, std::string> objects = Objects(text);
    auto found = objects.find(id);
    if (found == objects.end()) return "<absent>";
    text = found->second;
  }
  return text;
}

using testing::ReferenceCrc;

inline std::string Hex4(std::uint16_t value) {
  char text[5];
  std::snprintf(text, sizeof text, "%04X", value);
  return text;
}

// Checks what every payload must be: objects from end to end, "00" = "01" first, the CRC
// object last, covering everything before its value, in upper-case hex.
inline void ExpectWellFormed(std::string_view payload) {
  SCOPED_TRACE(std::string(payload));
  std::vector<DataObject> objects;
  ASSERT_TRUE(ParseObjects(payload, &objects));
  ASSERT_GE(objects.size(), 3u);
  EXPECT_EQ(objects.front().id, "00");
  EXPECT_EQ(objects.front().value, "01");
  EXPECT_EQ(objects.back().id, "63");
  ASSERT_EQ(objects.back().value.size(), 4u);
  std::string_view covered = payload.substr(0, payload.size() - 4);
  EXPECT_TRUE(covered.ends_with("6304"));
  EXPECT_EQ(objects.back().value, Hex4(ReferenceCrc(covered)));
  EXPECT_EQ(Crc16CcittFalse(covered), ReferenceCrc(covered));
}

// Root IDs of `payload` in order.
inline std::vector<std::string> RootIds(std::string_view payload) {
  std::vector<DataObject> objects;
  EXPECT_TRUE(ParseObjects(payload, &objects));
  std::vector<std::string> ids;
  for (const DataObject& object : objects) ids.push_back(object.id);
  return ids;
}

}  // namespace market4::tlv
