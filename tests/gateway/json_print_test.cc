#include "gateway/json_print.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gateway/codec.h"
#include "market4/v1/backups.pb.h"
#include "market4/v1/error.pb.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/providers.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/reconciliation.pb.h"
#include "market4/v1/stall.pb.h"
#include "market4/v1/statements.pb.h"
#include "market4/v1/storage.pb.h"

namespace market4::gateway {
namespace json_print_test {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What protobuf itself prints: the contract PrintJson must meet byte for byte.
std::string ProtobufJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

// Every message type of our API and storage protos.
std::vector<const Descriptor*> OurMessages() {
  const google::protobuf::FileDescriptor* files[] = {v1::CreateBackupRequest::descriptor()->file(),
                                                     v1::Error::descriptor()->file(),
                                                     v1::CreateAccountRequest::descriptor()->file(),
                                                     v1::Merchant::descriptor()->file(),
                                                     v1::Operator::descriptor()->file(),
                                                     v1::Provider::descriptor()->file(),
                                                     v1::TopUpRequest::descriptor()->file(),
                                                     v1::ReconciliationTotal::descriptor()->file(),
                                                     v1::VietQr::descriptor()->file(),
                                                     v1::StatementLine::descriptor()->file(),
                                                     v1::AccountRecord::descriptor()->file()};
  std::vector<const Descriptor*> types;
  for (const auto* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) types.push_back(file->message_type(i));
  }
  return types;
}

// Strings as they come: Vietnamese, ASCII that JSON escapes, controls, emoji, empty.
const std::vector<std::string>& SampleTexts() {
  static const std::vector<std::string> texts = {
      "",          "Rau muống",  "Cá lóc đồng Sóc Trăng 203", "a\"b\\c/d",    "<script>&'",
      "tab\there", "line\nnext", std::string("nul\0x", 5),    "\x7f\x01\x1f", "😀 ₫ 100.000",
      "ĐƯỜNG",     "m_3f9c"};
  return texts;
}

class Filler {
 public:
  explicit Filler(std::uint32_t seed) : random_(seed) {}

  void Fill(Message* message, int depth) {
    const Descriptor* type = message->GetDescriptor();
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      auto* t = static_cast<google::protobuf::Timestamp*>(message);
      t->set_seconds(Pick<std::int64_t>({0, 1, 1'764'400'000, -62'135'596'800, 253'402'300'799}));
      t->set_nanos(Pick<std::int32_t>({0, 5, 120'000'000, 123'456'000, 999'999'999}));
      return;
    }
    const Reflection* r = message->GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (Chance(3)) continue;  // left unset
      if (field->is_repeated()) {
        int n = static_cast<int>(random_() % 3);
        for (int k = 0; k < n; ++k) Add(message, r, field, depth);
      } else {
        Set(message, r, field, depth);
      }
    }
  }

 private:
  bool Chance(int one_in) { return random_() % static_cast<unsigned>(one_in) == 0; }
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + random_() % values.size());
  }
  std::int64_t AnInt64() {
    return Pick<std::int64_t>({0, 1, -1, 25'000, INT64_MAX, INT64_MIN, 1'000'000'000'000});
  }
  std::string AText() { return SampleTexts()[random_() % SampleTexts().size()]; }

  void Set(Message* m, const Reflection* r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->SetInt32(m, f, Pick({0, 7, -3, INT32_MAX}));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->SetUInt32(m, f, Pick({0u, 7u, UINT32_MAX}));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->SetInt64(m, f, AnInt64());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->SetUInt64(m, f, Pick<std::uint64_t>({0, 9, UINT64_MAX}));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->SetBool(m, f, Chance(2));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(m, f, AText());
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->SetEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) Fill(r->MutableMessage(m, f), depth + 1);
        return;
      default:
        return;
    }
  }

  void Add(Message* m, const Reflection* r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->AddInt32(m, f, Pick({0, 7, -3}));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->AddUInt32(m, f, Pick({0u, 7u}));
      case FieldDescriptor::CPPTYPE_INT64:
        return r->AddInt64(m, f, AnInt64());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->AddUInt64(m, f, Pick<std::uint64_t>({0, 9}));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->AddBool(m, f, Chance(2));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(m, f, AText());
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->AddEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 4) Fill(r->AddMessage(m, f), depth + 1);
        return;
      default:
        return;
    }
  }

  // A declared value, or now and then one no version of the enum declares.
  int EnumNumber(const FieldDescriptor* f) {
    if (Chance(8)) return 77;
    const auto* e = f->enum_type();
    return e->value(static_cast<int>(random_() % static_cast<unsigned>(e->value_count())))
        ->number();
  }

  std::mt19937 random_;
};

// Whether a message type holds a field PrintJson leaves to protobuf (bytes, floating point).
bool LeftToProtobuf(const Descriptor* type, int depth = 0) {
  if (depth > 6) return false;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    if (f->type() == FieldDescriptor::TYPE_BYTES || f->type() == FieldDescriptor::TYPE_DOUBLE ||
        f->type() == FieldDescriptor::TYPE_FLOAT) {
      return true;
    }
    if (f->message_type() && LeftToProtobuf(f->message_type(), depth + 1)) return true;
  }
  return false;
}

TEST(JsonPrintTest, PrintsEveryMessageTypeExactlyAsProtobufDoes) {
  std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  Filler filler(seed);
  google::protobuf::DynamicMessageFactory factory;
  int printed = 0;
  int left = 0;
  for (const Descriptor* type : OurMessages()) {
    for (int round = 0; round < 40; ++round) {
      std::unique_ptr<Message> message(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
      if (round > 0) filler.Fill(message.get(), 0);
      std::string ours = "unchanged";
      if (PrintJson(*message, &ours)) {
        ASSERT_EQ(ours, "unchanged" + ProtobufJson(*message)) << type->full_name();
        ++printed;
      } else {
        ASSERT_EQ(ours, "unchanged") << "a refusal leaves the output as it was";
        ++left;
      }
    }
    if (!LeftToProtobuf(type)) {
      std::unique_ptr<Message> empty(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
      std::string out;
      EXPECT_TRUE(PrintJson(*empty, &out)) << type->full_name() << " should take the fast path";
    }
  }
  // The samples hold characters and fields protobuf prints itself, but most messages do not.
  EXPECT_GT(printed, left) << printed << " printed, " << left << " left to protobuf";
}

std::string Utf8(char32_t c) {
  std::string text;
  if (c < 0x80) {
    text.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    text = {static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
  } else if (c < 0x10000) {
    text = {static_cast<char>(0xe0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3f)),
            static_cast<char>(0x80 | (c & 0x3f))};
  } else {
    text = {static_cast<char>(0xf0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3f)),
            static_cast<char>(0x80 | ((c >> 6) & 0x3f)), static_cast<char>(0x80 | (c & 0x3f))};
  }
  return text;
}

// One string of code points: printed as protobuf prints it, or left to protobuf, which then
// escapes one of them as \u.
void ExpectPrintedOrLeft(const std::vector<char32_t>& code_points, int* left) {
  v1::Error error;
  std::string text;
  for (char32_t c : code_points) text += Utf8(c);
  error.set_message(text);
  std::string theirs = ProtobufJson(error);
  std::string ours;
  if (PrintJson(error, &ours)) {
    ASSERT_EQ(ours, theirs) << "from U+" << std::hex << static_cast<std::uint32_t>(code_points[0]);
    return;
  }
  ASSERT_NE(theirs.find("\\u"), std::string::npos)
      << "from U+" << std::hex << static_cast<std::uint32_t>(code_points[0])
      << " is plain in protobuf";
  ++*left;
}

// Every code point in a string field, 256 at a time, and one by one where a group was left
// to protobuf.
TEST(JsonPrintTest, EveryCodePointIsPrintedAsProtobufPrintsItOrLeftToIt) {
  int left = 0;
  for (char32_t from = 1; from <= 0x10ffff; from += 256) {
    std::vector<char32_t> group;
    for (char32_t c = from; c < from + 256 && c <= 0x10ffff; ++c) {
      if (c < 0xd800 || c > 0xdfff) group.push_back(c);
    }
    if (group.empty()) continue;
    int before = left;
    ExpectPrintedOrLeft(group, &left);
    if (left == before) continue;
    for (char32_t c : group) {
      ExpectPrintedOrLeft({c}, &left);
      if (c < 0x80) {
        EXPECT_EQ(left, before + 1) << "ASCII is always printed here";
      }
    }
  }
  EXPECT_GT(left, 0);
}

TEST(JsonPrintTest, InvalidUtf8AndOutOfRangeTimestampsAreLeftToProtobuf) {
  v1::Error error;
  error.set_message("bad \xff byte");
  std::string out;
  EXPECT_FALSE(PrintJson(error, &out));
  EXPECT_EQ(out, "");
  error.set_message("overlong \xc0\xaf");
  EXPECT_FALSE(PrintJson(error, &out));
  error.set_message("surrogate \xed\xa0\x80");
  EXPECT_FALSE(PrintJson(error, &out));
  error.set_message("cut \xe1\xba");
  EXPECT_FALSE(PrintJson(error, &out));

  v1::Transfer transfer;
  transfer.mutable_timestamp()->set_seconds(253'402'300'800);  // year 10000
  EXPECT_FALSE(PrintJson(transfer, &out));
  transfer.mutable_timestamp()->set_seconds(0);
  transfer.mutable_timestamp()->set_nanos(-1);
  EXPECT_FALSE(PrintJson(transfer, &out));
  transfer.mutable_timestamp()->set_nanos(0);
  EXPECT_TRUE(PrintJson(transfer, &out));
  EXPECT_NE(out.find(R"("timestamp":"1970-01-01T00:00:00Z")"), std::string::npos) << out;
}

// A listing as buyers see it takes the fast path, and MessageResponse, the one place
// responses are encoded, answers protobuf's bytes and a newline.
TEST(JsonPrintTest, AListingTakesTheFastPathAndResponsesKeepProtobufsBytes) {
  v1::Listing listing;
  listing.set_id("l_1");
  listing.set_title("Rau muống");
  listing.set_price(15'000);
  std::string fast;
  ASSERT_TRUE(PrintJson(listing, &fast));
  EXPECT_EQ(fast, ProtobufJson(listing));
  HttpResponse response = MessageResponse(200, listing, Format::kJson);
  EXPECT_EQ(response.body, fast + "\n");
}

}  // namespace json_print_test
}  // namespace market4::gateway
