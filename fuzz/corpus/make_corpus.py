#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/), one small realistic
file per seed, in each target's input format (see the comment at the top of fuzz/<target>.cc).
The files are committed; run this again only to change them:
    python3 fuzz/corpus/make_corpus.py
It removes and rewrites every fuzz/corpus/<target>/ it makes."""
import base64
import hashlib
import hmac
import json
import pathlib
import shutil
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
NOW = 1767225600  # 2026-01-01T00:00:00Z: the clock of http_fuzz and the forged provider seeds

# What http_fuzz's world holds (fuzz/http_fuzz.cc, SeedWorld): tokens minted from its fixed key.
OPERATOR = "market4-fuzz-operator-token-0001"
MERCHANT = "daa94e9605fa2c5b5785cb4f01528d94783854c951ec2d5337430e306aa859af"
BUYER_ID = "b_c003d0bf5640a35b1c08922992085be8"
BUYER = "368b55786db131157ec0331ba06383b255bb868aeb4001a89df4eaf8f822cbfd"
LISTING = "l_3b335b844a11661cdb92011c379ba58b"
MERCHANT_ID = "m_d3ee823f8f16ab89d8abddc1a11698bf"
WORLD_SECRETS = {
    "std": "whsec_" + base64.b64encode(b"market4 fuzz standard").decode(),
    "momo": "FUZZACCESS:fuzz-momo-secret",
    "vnpay": "FUZZVNPAYHASHSECRET",
    "zalopay": "fuzz-zalopay-key2",
    "bank": "whsec_" + base64.b64encode(b"market4 fuzz bank").decode(),
}
# Secrets the provider seeds are signed with: real signatures that provider_fuzz's forged mode
# must still refuse, since it holds other secrets.
SEED_SECRETS = {
    1: "whsec_" + base64.b64encode(b"a provider's real key").decode(),
    2: "MOMOSEEDACCESS:momo-seed-secret-key",
    3: "VNPAYSEEDHASHSECRET0123456789",
    4: "zalopay-seed-key2",
    5: "whsec_" + base64.b64encode(b"a bank's real key").decode(),
}


def write(target, name, data):
    directory = HERE / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def fields(*parts):
    return b"\0".join(p if isinstance(p, bytes) else str(p).encode() for p in parts)


# ---- Provider callbacks, signed as each scheme signs ----------------------------------------


def webhook_key(secret):
    return base64.b64decode(secret.removeprefix("whsec_"))


def webhook_headers(secret, delivery, timestamp, body):
    mac = hmac.new(webhook_key(secret), f"{delivery}.{timestamp}.{body}".encode(), "sha256")
    return [("webhook-id", delivery), ("webhook-timestamp", str(timestamp)),
            ("webhook-signature", "v1," + base64.b64encode(mac.digest()).decode())]


def standard(secret, kind, reference, amount, txn, delivery, timestamp=NOW):
    body = json.dumps({"type": kind, "data": {"reference": reference, "amount": str(amount),
                                              "provider_txn_id": txn}}, separators=(",", ":"))
    return "POST", "", webhook_headers(secret, delivery, timestamp, body), body


def bank(secret, txn, amount, memo, delivery, timestamp=NOW):
    body = json.dumps({"type": "bank.credit", "data": {"bank_txn_id": txn, "amount": str(amount),
                       "memo": memo, "time": "2026-01-01T07:00:00+07:00"}},
                      separators=(",", ":"), ensure_ascii=False)
    return "POST", "", webhook_headers(secret, delivery, timestamp, body), body


def momo(secret, reference, amount, txn, request_id, succeeded=True):
    access, key = secret.split(":", 1)
    ipn = {"partnerCode": "MOMO", "orderId": reference, "requestId": request_id, "amount": amount,
           "orderInfo": "market4 " + reference, "orderType": "momo_wallet", "transId": int(txn),
           "resultCode": 0 if succeeded else 1006,
           "message": "Successful." if succeeded else "Transaction denied by user.",
           "payType": "qr", "responseTime": NOW * 1000, "extraData": ""}
    signed = dict(ipn, accessKey=access)
    raw = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
    ipn["signature"] = hmac.new(key.encode(), raw.encode(), "sha256").hexdigest()
    return "POST", "", [], json.dumps(ipn, separators=(",", ":"))


def vnpay(secret, reference, amount, txn, succeeded=True):
    params = {"vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP" + txn,
              "vnp_CardType": "ATM", "vnp_OrderInfo": "Thanh toan " + reference,
              "vnp_PayDate": "20260101070000", "vnp_ResponseCode": "00" if succeeded else "24",
              "vnp_TmnCode": "MARKET4S", "vnp_TransactionNo": txn,
              "vnp_TransactionStatus": "00" if succeeded else "02", "vnp_TxnRef": reference}
    query = urllib.parse.urlencode(sorted(params.items()))  # PHP urlencode: what VNPay hashes
    digest = hmac.new(secret.encode(), query.encode(), "sha512").hexdigest()
    return "GET", "?" + query + "&vnp_SecureHash=" + digest, [], ""


def zalopay(secret, reference, amount, txn):
    data = (f'{{"app_id":2553,"app_trans_id":"260101_{reference}","app_time":{NOW * 1000},'
            f'"app_user":"market4-sim","amount":{amount},"embed_data":"{{}}","item":"[]",'
            f'"zp_trans_id":{txn},"server_time":{NOW * 1000},"channel":38,'
            f'"merchant_user_id":"","user_fee_amount":0,"discount_amount":0}}')
    mac = hmac.new(secret.encode(), data.encode(), "sha256").hexdigest()
    return "POST", "", [], json.dumps({"data": data, "mac": mac, "type": 1}, separators=(",", ":"))


def callbacks(secrets):
    """(scheme, name, callback) for realistic callbacks of every scheme."""
    return [
        (1, "topup_succeeded", standard(secrets[1], "topup.succeeded", "tu_1f2e3d", 100000, "TXN-1", "msg_1")),
        (1, "payout_failed", standard(secrets[1], "payout.failed", "po_9a8b", 50000, "TXN-2", "msg_2")),
        (1, "unknown_type", standard(secrets[1], "refund.created", "tu_1f2e3d", 1, "TXN-3", "msg_3")),
        (2, "payment_succeeded", momo(secrets[2], "pi_4c5d6e", 62000, "4088878653", "req-7f1")),
        (2, "topup_denied", momo(secrets[2], "tu_77aa", 20000, "4088878654", "req-7f2", False)),
        (3, "topup_succeeded", vnpay(secrets[3], "tu_1f2e3d", 100000, "14226112")),
        (3, "payment_cancelled", vnpay(secrets[3], "pi_4c5d6e", 62000, "14226113", False)),
        (4, "payment_succeeded", zalopay(secrets[4], "pi_4c5d6e", 62000, "260101000000123")),
        (5, "bank_credit", bank(secrets[5], "FT26001123456", 62000, "NGUYEN VAN A CK M4 2345 6789 CAM ON", "bank-evt-1")),
        (5, "bank_credit_vietnamese", bank(secrets[5], "FT26001123457", 15000, "Chị Mai chuyển khoản m4abcdefgh", "bank-evt-2")),
    ]


def provider_corpus():
    for scheme, name, (method, suffix, headers, body) in callbacks(SEED_SECRETS):
        header_text = "\n".join(f"{k}: {v}" for k, v in headers)
        if body:
            header_text += ("\n" if header_text else "") + "Content-Type: application/json"
        data = bytes([scheme << 1]) + fields(method, "/v1/providers/p/events" + suffix, header_text, body)
        write("provider_fuzz", f"forged_{scheme}_{name}", data)
    signed = [  # scheme, type, reference, txn, delivery, memo, amount, time, secret
        (1, "topup.succeeded", "tu_1f2e3d", "TXN-1", "msg_1", "", 100000, NOW, "standard key"),
        (1, "payment.failed", "pi_4c5d6e", "TXN-9", "msg_9", "", 0, NOW, "k"),
        (2, "payment.succeeded", "pi_4c5d6e", "4088878653", "req-7f1", "", 62000, NOW, "ACCESS:secret"),
        (2, "topup.failed", "tu_77aa", "4088878654", "req-7f2", "", 20000, NOW, "momo"),
        (3, "topup.succeeded", "tu_1f2e3d", "14226112", "", "", 100000, NOW, "VNPAYHASHSECRET"),
        (3, "payout.failed", "po_a&b=c d", "14226113", "", "", 5, NOW, "s"),
        (4, "payment.succeeded", "pi_4c_5d", "260101000000123", "", "", 62000, NOW, "key2"),
        (5, "bank.credit", "", "FT26001123456", "bank-evt-1", "NGUYEN VAN A CK M4 2345 6789", 62000, NOW, "bank"),
        (5, "bank.credit", "", "FT1", "e", "Chị Mai chuyển khoản \"m4\" \\ \t", 15000, NOW, "b"),
    ]
    for i, (scheme, kind, ref, txn, delivery, memo, amount, when, secret) in enumerate(signed):
        data = bytes([(scheme << 1) | 1]) + fields(kind, ref, txn, delivery, memo, amount, when, secret)
        write("provider_fuzz", f"signed_{scheme}_{i}", data)


# ---- HTTP requests ---------------------------------------------------------------------------


def request(method, target, token="", body=None, key="", extra=(), content_type="application/json"):
    lines = [f"{method} {target} HTTP/1.1", "Host: market4.local"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if key:
        lines.append(f"Idempotency-Key: {key}")
    lines.extend(extra)
    payload = b""
    if body is not None:
        payload = body.encode() if isinstance(body, str) else body
        lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def chunked(*chunks):
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def http_corpus():
    seeds = {
        "healthz": request("GET", "/healthz"),
        "readyz_head": request("HEAD", "/readyz"),
        "metrics": request("GET", "/metrics", OPERATOR),
        "me_merchant": request("GET", "/v1/me", MERCHANT),
        "me_buyer": request("GET", "/v1/me", BUYER),
        "wallet": request("GET", "/v1/wallet", BUYER),
        "merchant_balance": request("GET", "/v1/merchant/balance", MERCHANT),
        "create_merchant": request("POST", "/v1/merchants", OPERATOR,
                                   '{"name":"Cô Ba","phone":"0901234567","location":"Chợ Vị Thanh, sạp 12"}', "m-1"),
        "create_buyer": request("POST", "/v1/buyers", "", '{"name":"Anh Tư","phone":"0912345678"}', "b-1"),
        "deposit": request("POST", f"/v1/buyers/{BUYER_ID}/deposits", OPERATOR, '{"amount":"50000"}', "dep-1"),
        "create_listing": request("POST", "/v1/listings", MERCHANT,
                                  '{"title":"Rau muống","description":"tươi","category":"rau","unit":"bó","price":"15000","stock":"20"}', "l-1"),
        "update_listing": request("PATCH", f"/v1/listings/{LISTING}", MERCHANT, '{"price":"16000","stock":"999"}'),
        "search_listings": request("GET", "/v1/listings?q=rau%20mu%E1%BB%91ng&limit=5&in_stock=true"),
        "listings_by_merchant": request("GET", f"/v1/listings?merchant_id={MERCHANT_ID}&min_price=1&max_price=99999"),
        "get_listing": request("GET", f"/v1/listings/{LISTING}"),
        "place_order": request("POST", "/v1/orders", BUYER,
                               f'{{"items":[{{"listing_id":"{LISTING}","quantity":"2"}}]}}', "order-1"),
        "list_orders": request("GET", "/v1/orders?limit=2", BUYER),
        "list_merchants_page": request("GET", "/v1/merchants?limit=1&page_token=m6d5f", OPERATOR),
        "create_account": request("POST", "/v1/accounts", OPERATOR,
                                  '{"id":"alice","currency":"VND","debits_must_not_exceed_credits":true}'),
        "create_transfers": request("POST", "/v1/accounts", OPERATOR, '{"id":"bob"}') +
                            request("POST", "/v1/transfers", OPERATOR,
                                    '{"transfers":[{"id":"t1","debit_account_id":"alice","credit_account_id":"bob","amount":"100","code":1,"pending":true,"timeout_seconds":60}]}'),
        "post_pending": request("POST", "/v1/transfers/t1/post", OPERATOR, '{"amount":"50"}'),
        "account_transfers": request("GET", "/v1/accounts/alice/transfers?limit=10", OPERATOR),
        "topup": request("POST", "/v1/wallet/topups", BUYER, '{"provider":"momo","amount":"100000"}', "tu-1"),
        "payout": request("POST", "/v1/merchant/payouts", MERCHANT,
                          '{"provider":"bank","amount":"10000","destination":"970436:0123456789"}', "po-1"),
        "payment_request": request("POST", "/v1/payment-requests", MERCHANT,
                                   '{"amount":"25000","note":"2 bó rau","expires_in_seconds":"600"}'),
        "merchant_qr": request("GET", "/v1/merchant/qr", MERCHANT),
        "statement_csv": request("GET", "/v1/merchant/statement?from=2025-12-01&to=2026-01-01&format=csv", MERCHANT),
        "wallet_statement": request("GET", "/v1/wallet/statement?limit=1", BUYER, extra=["Accept: application/x-protobuf"]),
        "days": request("GET", "/v1/days", OPERATOR),
        "close_day": request("POST", "/v1/days/2025-12-31/close", OPERATOR, "{}"),
        "exceptions": request("GET", "/v1/exceptions?status=OPEN", OPERATOR),
        "verify": request("GET", "/v1/ledger/verify", OPERATOR),
        "event_ticket": request("POST", "/v1/merchant/events/tickets", MERCHANT, "{}"),
        "settlement": request("POST", "/v1/providers/momo/settlements/2026-01-01", OPERATOR,
                              "provider_txn_id,type,amount,fee,time\r\n4088878653,topup.succeeded,100000,1100,2026-01-01T09:00:00+07:00\r\n",
                              content_type="text/csv"),
        "chunked": b"POST /v1/buyers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                   + chunked(b'{"name":"Chunked",', b'"phone":"0912345678"}'),
        "binary_body": request("POST", "/v1/accounts", OPERATOR, b"\x0a\x04cash", content_type="application/x-protobuf"),
        "pipelined": request("GET", "/healthz") + request("GET", "/v1/wallet", BUYER) + request("GET", "/v1/nope"),
        "http10_close": b"GET /healthz HTTP/1.0\r\n\r\n",
        "smuggle_te_cl": b"POST /v1/buyers HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "obs_fold": b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "wrong_method": request("DELETE", "/v1/wallet", BUYER),
        "bad_token": request("GET", "/v1/wallet", "not-a-token"),
    }
    for scheme_id, (scheme, name, (method, suffix, headers, body)) in zip(
            ["std", "std", "std", "momo", "momo", "vnpay", "vnpay", "zalopay", "bank", "bank"],
            callbacks({1: WORLD_SECRETS["std"], 2: WORLD_SECRETS["momo"], 3: WORLD_SECRETS["vnpay"],
                       4: WORLD_SECRETS["zalopay"], 5: WORLD_SECRETS["bank"]})):
        target = f"/v1/providers/{scheme_id}/events" + suffix
        extra = [f"{k}: {v}" for k, v in headers]
        seeds[f"callback_{scheme_id}_{name}"] = request(method, target, body=body or None, extra=extra)
    for name, data in seeds.items():
        write("http_fuzz", name, data)


# ---- Request bodies --------------------------------------------------------------------------

CODEC_MESSAGES = [  # in codec_fuzz.cc's kMessages order
    "CreateBackupRequest", "CreateAccountRequest", "CreateTransfersRequest", "DecideApprovalRequest",
    "PostPendingRequest", "VoidPendingRequest", "CreateMerchantRequest", "CreateBuyerRequest",
    "DepositRequest", "CreateListingRequest", "UpdateListingRequest", "CreateOrderRequest",
    "RefundRequest", "CreateOperatorRequest", "DisableOperatorRequest", "CloseDayRequest",
    "ApproveDayRequest", "CreateProviderRequest", "UpdateProviderRequest", "TopUpRequest",
    "PayOrderRequest", "PayoutRequest", "ResolveExceptionRequest", "CreatePaymentRequestRequest",
    "PayPaymentRequestRequest", "StallRefundRequest"]

CODEC_JSON = {
    "CreateBackupRequest": '{"dir":"/var/backups/market4"}',
    "CreateAccountRequest": '{"id":"alice","currency":"VND","debits_must_not_exceed_credits":true}',
    "CreateTransfersRequest": '{"transfers":[{"id":"t1","debitAccountId":"alice","credit_account_id":"bob","amount":"100","code":1,"pending":true,"timeout_seconds":60},{"id":"t2","debit_account_id":"bob","credit_account_id":"alice","amount":7}]}',
    "DecideApprovalRequest": "{}",
    "PostPendingRequest": '{"amount":"50"}',
    "VoidPendingRequest": " ",
    "CreateMerchantRequest": '{"name":"C\\u00f4 Ba \\"Rau\\"","phone":"0901234567","location":"Chợ Vị Thanh, sạp 12"}',
    "CreateBuyerRequest": '{"name":"Anh Tư","phone":"0912345678"}',
    "DepositRequest": '{"amount":"1000000"}',
    "CreateListingRequest": '{"title":"Rau muống","description":"tươi","category":"rau","unit":"bó","price":"15000","stock":20}',
    "UpdateListingRequest": '{"price":"16000","active":false,"title":""}',
    "CreateOrderRequest": '{"items":[{"listing_id":"l_3b33","quantity":"2"},{"listingId":"l_9","quantity":1}]}',
    "RefundRequest": '{"amount":"12000"}',
    "CreateOperatorRequest": '{"name":"Chị Mai"}',
    "DisableOperatorRequest": "{}",
    "CloseDayRequest": "{}",
    "ApproveDayRequest": "{}",
    "CreateProviderRequest": '{"id":"bank","name":"Vietcombank","scheme":"BANK_TRANSFER","secrets":["whsec_bWFya2V0NA==","whsec_b2xk"],"bank_bin":"970436","account_number":"0123456789","account_name":"MARKET4"}',
    "UpdateProviderRequest": '{"secrets":["FUZZACCESS:new-secret"]}',
    "TopUpRequest": '{"provider":"momo","amount":"100000"}',
    "PayOrderRequest": '{"provider":"vnpay"}',
    "PayoutRequest": '{"provider":"bank","amount":"10000","destination":"970436:0123456789"}',
    "ResolveExceptionRequest": '{"action":"CREDIT_BUYER","buyer_id":"b_c003","note":"khách chuyển nhầm"}',
    "CreatePaymentRequestRequest": '{"amount":"25000","note":"2 bó rau","expires_in_seconds":"600"}',
    "PayPaymentRequestRequest": '{"amount":"25000"}',
    "StallRefundRequest": '{"amount":"5000"}',
}

# Binary bodies, hand-encoded (field number << 3 | wire type, then the value).
CODEC_BINARY = {
    "CreateAccountRequest": b"\x0a\x05alice\x12\x03VND\x18\x01",
    "CreateTransfersRequest": b"\x0a\x14\x0a\x02t1\x12\x05alice\x1a\x03bob\x20\x64\x28\x01",
    "PostPendingRequest": b"\x08\x32",
    "DepositRequest": b"\x08\xc0\x84\x3d",
    "CreateOrderRequest": b"\x0a\x08\x0a\x04l_3b\x10\x02",
    "UpdateListingRequest": b"\x18\x80\x7d\x28\x00",
    "ResolveExceptionRequest": b"\x08\x02\x1a\x04note",
    "CreateMerchantRequest": b"\x0a\x06C\xc3\xb4 Ba\x12\x0a0901234567",
}


def codec_corpus():
    for index, name in enumerate(CODEC_MESSAGES):
        write("codec_fuzz", f"json_{name}", bytes([index]) + CODEC_JSON[name].encode())
        if name in CODEC_BINARY:
            write("codec_fuzz", f"binary_{name}", bytes([0x80 | index]) + CODEC_BINARY[name])
    write("codec_fuzz", "json_duplicate_key", bytes([8]) + b'{"amount":"1","\\u0061mount":"90000"}')
    write("codec_fuzz", "json_unknown_field", bytes([7]) + b'{"name":"x","createdAt":"2024-01-02T03:04:05Z"}')


# ---- Query strings, page tokens, statement periods -------------------------------------------


def page_token(list_char, position, scope=""):
    check = hashlib.sha256(list_char.encode() + scope.encode() + b"\0" + position).digest()[:4]
    return list_char + position.hex() + check.hex()


def query_corpus():
    queries = ["limit=20&page_token=", "limit=0", "limit=-1", "limit=-0", "limit=00012&min_price=1000&max_price=50000",
               "limit=9223372036854775807", "limit=9223372036854775808", "q=rau%20mu%E1%BB%91ng&in_stock=1",
               "limit=abc&page_token=" + page_token("m", b"m_d3ee823f8f16ab89d8abddc1a11698bf"),
               "page_token=" + page_token("l", b"20", "rau") + "&q=rau", "limit=5&limit=6", "limit=%31%32",
               "page_token=" + page_token("b", b"b_c003d0bf5640a35b1c08922992085be8")]
    for i, query in enumerate(queries):
        write("query_fuzz", f"query_{i}", b"\x00" + query.encode())
    sequence = (41).to_bytes(8, "big")
    tokens = [("", b"m_d3ee823f8f16ab89d8abddc1a11698bf", page_token("m", b"m_d3ee823f8f16ab89d8abddc1a11698bf")),
              ("alice", sequence, page_token("t", sequence, "alice")),
              ("m_d3ee/2025-12-01/2026-01-01", sequence, page_token("g", sequence, "m_d3ee/2025-12-01/2026-01-01")),
              ("", b"20", "l3230deadbeef"), ("", b"x", "")]
    for i, (scope, position, token) in enumerate(tokens):
        write("query_fuzz", f"token_{i}", b"\x01" + fields(scope, position, token))
    periods = [("2025-12-01", "2026-01-01"), ("", ""), ("2026-02-29", ""), ("2024-02-29", "2024-03-01"),
               ("2025-01-01", "2026-01-02"), ("2026-1-5", "2026-01-05"), ("0000-01-01", "9999-12-31")]
    for i, (start, end) in enumerate(periods):
        write("query_fuzz", f"period_{i}", b"\x02" + fields(start, end, NOW, 420))


# ---- Bank memos ------------------------------------------------------------------------------

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def payment_code(seed):
    number = int.from_bytes(hashlib.sha256(b"market4 payment code v1\n" + seed).digest()[:8], "big")
    values = []
    for _ in range(7):
        values.append(number % 31)
        number //= 31
    total = sum((i + 1) * v for i, v in enumerate(values))
    check = next(c for c in range(31) if (total + 8 * c) % 31 == 0)
    return "M4" + "".join(ALPHABET[v] for v in values) + ALPHABET[check]


def memo_corpus():
    code = payment_code(b"o_5e1f0c\0\0\0\0")
    lower = code.lower()
    memos = [code, f"NGUYEN VAN A CHUYEN KHOAN {lower[:2]} {lower[2:6]} {lower[6:]}",
             f"Nguyễn Văn Á chuyển khoản {code[:6]} {code[6:]}",
             f"MBVCB.1234567.CK-{code[:2]}.{code[2:6]}-{code[6:]}.CT tu 0011001932418 toi 1012345678",
             f"thanh toan don hang ({lower}) cam on", f"{code} cam on co Ba", "chuyen tien an trua",
             "M4OOOOIIII", "m4 llll 1111 0000", f"CK {code[:9]}", "Đồng Tháp, đường 30/4",
             "Nguye\u0302\u0303n", f"tra {code} va {payment_code(b'o_2').lower()} va {code}"]
    for i, memo in enumerate(memos):
        write("memo_fuzz", f"memo_{i}", bytes([2 * (25 + i)]) + memo.encode())
    typed = [(b"o_5e1f0c", "Nguyễn Văn Á CK ", " cam on", b"\x00\x02\x03\x00\x01\x00\x00\x00\x00\x00", b"\x03\x07"),
             (b"o_1", "MBVCB.1234567.CK-", ".CT tu 0011001932418", b"\x08\x00\x0a\x00\x00\x00\x0b\x00\x00\x00", b"\x00\x00"),
             (b"o_2", "", "", b"", b"\x07\x1d"),
             (b"o_3", "thanh toan don hang (", ")", b"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01", b"\x05\x01"),
             (b"pr_9", "Chị Mai chuyển khoản\u00a0", "\u3000cảm ơn", b"\x14\x14\x16\x16\x15\x15\x17\x17\x12\x12", b"\x02\x11")]
    for i, (seed, before, after, typing, typo) in enumerate(typed):
        write("memo_fuzz", f"typed_{i}", b"\x01" + fields(seed, before, after, typing, typo))


# ---- VietQR and stall payloads ---------------------------------------------------------------


def emvco_corpus():
    vietqr = [("970436", "0123456789", 62000, "M423456789", "CO BA"),
              ("970403", "0011012345678", 0, "", ""),
              ("970415", "113366668888", 180000, "NPS6869", "NGUYEN VAN A"),
              ("970423", "0099999999", 1, "thanh toan don hang", ""),
              ("970436", "9" * 19, 9999999999999, "X" * 25, "Y" * 25),
              ("97043", "1", -5, "\u00e9", "a\tb")]
    for i, (bin_, account, amount, code, name) in enumerate(vietqr):
        write("emvco_fuzz", f"vietqr_{i}", b"\x00" + fields(bin_, account, amount, code.encode(), name.encode()))
    stall = [("pr_3f9c2a", "CO BA", "VI THANH", 25000), ("r", "A", "B", 0),
             ("pr_" + "x" * 22, "CHO VI THANH SAP 12", "HAU GIANG", 10 ** 12), ("has space", "X", "Y", 1)]
    for i, (code, name, city, amount) in enumerate(stall):
        write("emvco_fuzz", f"stall_{i}", b"\x01" + fields(code, name, city, amount))


# ---- Settlement files ------------------------------------------------------------------------

HEADER = "provider_txn_id,type,amount,fee,time\r\n"


def settlement_corpus():
    files = {
        "quoted_bom": "\ufeff" + HEADER + '"T,1",topup.succeeded,100000,1000,2026-01-01T09:00:00+07:00\r\n'
                      '"say ""hi""","payout.succeeded","5",0,2026-01-01T02:00:00Z\r\n'
                      "Mã-1,bank.credit,7,0,2026-01-01T09:00:00.5+07:00\r\n\r\n\r\n",
        "momo_day": HEADER + "".join(f"40888786{i:02d},topup.succeeded,{(i + 1) * 10000},{i * 110},2026-01-01T0{i % 10}:15:00+07:00\r\n" for i in range(8)),
        "mixed_types": HEADER + "FT26001123456,bank.credit,62000,0,2026-01-01T07:00:00+07:00\n"
                       "pi_4c5d6e,payment.succeeded,62000,620,2026-01-01T08:00:00Z\n"
                       "po_9a8b,payout.succeeded,50000,1100,2026-01-01T10:00:00.123456789+07:00\n",
        "malformed_lines": HEADER + "T1,topup.succeeded,-1,0,2026-01-01T09:00:00+07:00\n"
                           "T2,refund,1,0,2026-01-01T09:00:00+07:00\n"
                           "T3,topup.succeeded,1,0,yesterday\n"
                           '"T4,topup.succeeded,1,0,2026-01-01T09:00:00+07:00\n'
                           "\n"
                           "T5,topup.succeeded,10000000000001,0,2026-01-01T09:00:00+07:00\n"
                           "T6,topup.succeeded,1,0\n",
        "no_header": "T1,topup.succeeded,1,0,2026-01-01T09:00:00+07:00\n",
        "empty": "",
        "only_header": HEADER,
        "far_future": HEADER + "T1,topup.succeeded,1,0,2262-04-12T00:00:00Z\nT2,topup.succeeded,1,0,1677-09-21T00:00:00Z\n",
        "invalid_utf8": HEADER.encode() + b"T\xff,topup.succeeded,1,0,2026-01-01T09:00:00+07:00\n",
    }
    for name, text in files.items():
        write("settlement_csv_fuzz", name, text)


def main():
    for target in ["http_fuzz", "codec_fuzz", "query_fuzz", "provider_fuzz", "emvco_fuzz",
                   "memo_fuzz", "settlement_csv_fuzz"]:
        shutil.rmtree(HERE / target, ignore_errors=True)
    provider_corpus()
    http_corpus()
    codec_corpus()
    query_corpus()
    memo_corpus()
    emvco_corpus()
    settlement_corpus()


if __name__ == "__main__":
    main()
