// Every limit of market4, with its unit in its name. Each value is written here once: error
// messages, option defaults and --help text are formatted from these constants (or from the
// option in force), never restated by hand. Compile-time constants; any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace market4 {

// --- HTTP front door (gateway) ---
// Largest request body; larger is 413. Settlement uploads have a route of their own.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
// Largest body of POST /v1/providers/{id}/settlements/{date} (a provider's settlement CSV),
// the only route allowed more than kMaxBodyBytes; larger is 413.
inline constexpr std::size_t kMaxSettlementBodyBytes = 16 * 1024 * 1024;
// Largest request head (request line and headers); larger is 431.
inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
// Idempotency-Key header: 1..this many visible ASCII characters.
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 128;
// A client's X-Request-Id is echoed only if it is this short and plain.
inline constexpr std::size_t kMaxRequestIdBytes = 64;
// Random bytes in a server-made id (m_..., o_...) and in an API token.
inline constexpr std::size_t kIdRandomBytes = 16;     // 128 bits: not guessable
inline constexpr std::size_t kTokenRandomBytes = 32;  // 256 bits
// A rotated token still passes, for this long, to retry its rotation (and for nothing else).
inline constexpr std::chrono::minutes kTokenRotationRetryWindow{10};
// Shortest operator token accepted from the environment or admin.token.
inline constexpr std::size_t kMinAdminTokenBytes = 16;

// --- Engine pipeline ---
inline constexpr std::size_t kDefaultMaxQueuedCommands = 10'000;
// Slow reads (the whole ledger's verification, day reports, statements) waiting for the
// gateway's slow-read thread; more are answered 503.
inline constexpr std::size_t kMaxQueuedSlowReads = 16;
inline constexpr std::size_t kDefaultMaxBatchCommands = 1'000;
inline constexpr std::chrono::milliseconds kDefaultTickInterval{100};

// --- Lists ---
inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;
// Most records one list request may examine (filters can skip many).
inline constexpr std::size_t kMaxScannedRecords = 20'000;
// Most index entries a listing search by title words reads: the listings it ranks. Entries of
// the query's longest word come first, whole-word matches before longer words it starts.
inline constexpr std::size_t kMaxSearchCandidates = 1'000;
// Lines of history a wallet shows.
inline constexpr std::size_t kWalletMovements = 20;
// Statements: the longest period one covers (local days, both ends included), the most lines
// one answer carries (more come with a page token), and the most ledger entries of the account
// one request reads (every entry since the period began, newest first: docs/decisions.md).
inline constexpr std::int64_t kMaxStatementDays = 366;
inline constexpr std::size_t kMaxStatementLines = 1'000;
inline constexpr std::size_t kMaxStatementScannedEntries = 100'000;

// --- Ledger ---
inline constexpr std::size_t kMaxIdBytes = 64;
inline constexpr std::size_t kMaxTransfersPerRequest = 100;
inline constexpr std::uint32_t kMaxTransferCode = 65'535;
inline constexpr std::chrono::seconds kMaxPendingTimeout{90 * 24 * 3600};  // 90 days

// --- Marketplace text, in Unicode code points after NFC normalization ---
inline constexpr std::size_t kMaxNameChars = 200;
inline constexpr std::size_t kMaxLocationChars = 200;
inline constexpr std::size_t kMaxTitleChars = 200;
inline constexpr std::size_t kMaxDescriptionChars = 2'000;
inline constexpr std::size_t kMaxCategoryChars = 64;
inline constexpr std::size_t kMaxUnitChars = 32;
inline constexpr std::size_t kMinPhoneDigits = 8;
inline constexpr std::size_t kMaxPhoneDigits = 15;

// --- Payment providers ---
inline constexpr std::size_t kMaxProviderIdBytes = 32;
inline constexpr std::size_t kMaxProviderSecrets = 5;    // several at once during a rotation
inline constexpr std::size_t kMinProviderKeyBytes = 16;  // 128-bit HMAC keys at least
inline constexpr std::size_t kMaxProviderSecretBytes = 256;
// A payout's destination: an e-wallet phone number or a bank account.
inline constexpr std::size_t kMaxDestinationChars = 64;
// An operator's note on resolving an exception.
inline constexpr std::size_t kMaxNoteChars = 500;

// --- Settlement reconciliation (engine/settlement_csv.h) ---
// Data lines of one settlement file (the header not counted); more is refused whole (413).
inline constexpr std::size_t kMaxSettlementRows = 200'000;
// Largest amount or fee on one line, in dong: kMaxSettlementRows lines of it still sum
// within int64.
inline constexpr std::int64_t kMaxSettlementAmountDong = 10'000'000'000'000;
// Longest provider transaction id on a line, in bytes.
inline constexpr std::size_t kMaxProviderTxnIdBytes = 128;

// --- The market stall ---
inline constexpr std::chrono::seconds kPaymentRequestDefaultLife{300};
inline constexpr std::chrono::seconds kMaxPaymentRequestLife{24 * 3600};
inline constexpr std::size_t kMaxStallNoteChars = 200;

// --- Marketplace quantities (dong are whole: VND has no minor unit) ---
inline constexpr std::size_t kMaxOrderItems = 50;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;
inline constexpr std::int64_t kMaxPriceDong = 1'000'000'000'000;  // per unit
inline constexpr std::int64_t kMaxStock = 1'000'000'000;

// --- Marketplace rules ---
inline constexpr std::int64_t kBasisPointsPerWhole = 10'000;
inline constexpr std::int64_t kDefaultCommissionBps = 100;  // 1 %
inline constexpr std::chrono::seconds kPayTimeoutDefault{30 * 60};
inline constexpr std::chrono::seconds kMaxPayTimeout{7 * 24 * 3600};
inline constexpr std::chrono::seconds kAutoConfirmDefault{7 * 24 * 3600};
inline constexpr std::chrono::seconds kMaxAutoConfirm{90 * 24 * 3600};
// A refused auto-confirm is tried again after this.
inline constexpr std::chrono::seconds kAutoConfirmRetry{3600};
// What one buyer may hold unpaid (each unpaid order holds stock): orders and dong.
inline constexpr std::int64_t kDefaultMaxUnpaidOrders = 5;
inline constexpr std::int64_t kMaxUnpaidOrdersLimit = 1'000;
inline constexpr std::int64_t kDefaultMaxUnpaidValue = 5'000'000;
inline constexpr std::int64_t kDefaultMaxUnpaidShare = 20;  // percent of a listing's units

// --- Abuse limits (gateway/limits.h), per second unless named otherwise ---
inline constexpr std::int64_t kDefaultRequestsPerAddress = 1'000;
inline constexpr std::int64_t kDefaultRequestsPerToken = 50;
inline constexpr std::int64_t kDefaultRegistrationsPerAddressHour = 20;
inline constexpr std::int64_t kDefaultAuthFailuresPerAddressMinute = 20;
inline constexpr std::int64_t kDefaultCallbacksPerAddress = 500;
inline constexpr std::int64_t kMaxLimitRate = 1'000'000;

// --- QR payments (EMV QRCPS merchant-presented mode, NAPAS VietQR; common/emvco.h) ---
// Value of one EMVCo data object, in characters (its length is written as two digits).
inline constexpr std::size_t kMaxEmvcoValueChars = 99;
// Transaction amount (ID 54), in characters: whole dong written in decimal.
inline constexpr std::size_t kMaxEmvcoAmountChars = 13;
// Merchant name (ID 59) and merchant city (ID 60), in characters.
inline constexpr std::size_t kMaxEmvcoMerchantNameChars = 25;
inline constexpr std::size_t kMaxEmvcoMerchantCityChars = 15;
// Each object of the additional data template (ID 62), such as the purpose (62.08), in characters.
inline constexpr std::size_t kMaxEmvcoAdditionalDataChars = 25;
// A globally unique identifier (sub-ID 00 of a template in IDs 26-51), in characters.
inline constexpr std::size_t kMaxEmvcoGuidChars = 32;
// A bank's NAPAS BIN (the State Bank's bank identification number), in digits.
inline constexpr std::size_t kBankBinDigits = 6;
// A beneficiary's account number inside VietQR (NAPAS: consumer ID up to 19), in digits.
inline constexpr std::size_t kMaxBankAccountDigits = 19;
// The request code inside market4's stall template (ID 27, sub-ID 01), in characters.
inline constexpr std::size_t kMaxStallRequestCodeChars = 25;
// Longest text rendered as a QR code; every payload above is far shorter.
inline constexpr std::size_t kMaxQrPayloadBytes = 512;
// Most bytes of a bank memo searched for a payment code (bank memos hold a few hundred).
inline constexpr std::size_t kMaxMemoBytes = 4'096;

// --- Live merchant events (GET /v1/merchant/events, Server-Sent Events; gateway/event_hub.h) ---
// Frames waiting to be written to one stream; a reader this far behind is dropped (it may
// resume with Last-Event-ID).
inline constexpr std::size_t kEventStreamBufferFrames = 256;
// Open streams, in total and per merchant (a few phones and a till at one stall).
inline constexpr std::size_t kMaxEventStreams = 256;
inline constexpr std::size_t kMaxEventStreamsPerMerchant = 8;
// Streams may hold at most this share of the server's connections, in percent, so that the
// rest stay free for requests.
inline constexpr std::size_t kMaxEventStreamConnectionsPercent = 50;
// A quiet stream sends a comment this often.
inline constexpr std::chrono::seconds kEventKeepAliveInterval{15};
// The `retry:` a stream starts with: EventSource's wait before reconnecting.
inline constexpr std::chrono::milliseconds kEventRetryDelay{3'000};
// Stored events read per step when a stream resumes.
inline constexpr std::size_t kEventReplayPageSize = kMaxPageSize;
// Stream tickets: lifetime, and how many may be outstanding per merchant and in total.
inline constexpr std::chrono::seconds kEventTicketTtl{60};
inline constexpr std::size_t kMaxEventTicketsPerMerchant = 16;
inline constexpr std::size_t kMaxEventTickets = 10'000;
// Random bytes of a ticket's selector (finds it) and of its secret (proves it).
inline constexpr std::size_t kEventTicketSelectorBytes = 8;
inline constexpr std::size_t kEventTicketSecretBytes = 32;

}  // namespace market4
