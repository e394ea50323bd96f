#!/usr/bin/env python3
"""The Python client against a real market4d on a fresh data directory: a market day in
JSON and in binary protobuf, Idempotency-Keys (the same key twice moves money once, also when
the client retries by itself after a lost answer or a 503), errors as Market4Error, token
rotation, the stall, top-ups and payouts, statements, the day report, and the example script.

    PYTHONPATH=build/clients/python:clients/python \\
        /usr/bin/python3 clients/python/tests/test_client.py [MARKET4D]

The server binary is the argument, else $MARKET4D, else build/bin/market4d.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

from market4.v1 import ledger_pb2
from market4.v1 import market_pb2
from market4.v1 import providers_pb2
from market4.v1 import rails_pb2
from market4_client import JSON, PROTOBUF, Market4Client, Market4Error

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "market_day.py")
ADMIN_TOKEN = "python-client-test-admin-token-0001"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"python-client-test-secret").decode()
FORMATS = ("json", "protobuf")
MEDIA = {"json": JSON, "protobuf": PROTOBUF}

MARKET4D = None  # set in main()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


def start_market4d(data_dir, log_path):
    """Starts market4d on a free port, as tests/integration/metrics_test.py does; returns the
    process and its port."""
    for _ in range(5):
        port = free_port()
        env = dict(os.environ, MARKET4_ADMIN_TOKEN=ADMIN_TOKEN)
        with open(log_path, "ab") as log:
            # Each test registers its own buyers: more than one address may register in an
            # hour by default (an abuse limit this test is not about).
            process = subprocess.Popen(
                [MARKET4D, "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}",
                 "--log-level", "warn", "--registrations-per-address-hour", "0"],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                if healthy(port):
                    return process, port
            except OSError:
                pass
            if process.poll() is not None:
                break
            time.sleep(0.05)
        process.kill()
        process.wait()
    with open(log_path, errors="replace") as log:
        sys.exit("market4d did not start:\n" + log.read()[-2000:])


class FaultyProxy:
    """An HTTP front for market4d that misbehaves on cue, one action per request:
    "pass" forwards the request and relays the answer; "drop" forwards it (the server does
    the work) and closes the connection without the answer, as a lost reply would; "500"
    forwards it and answers 500 INTERNAL instead of the server's answer; "503" answers 503
    UNAVAILABLE with Retry-After without forwarding. After the cues, "pass"."""

    def __init__(self, upstream_port, actions, retry_after="1"):
        self.actions = list(actions)
        self.retry_after = retry_after
        self.requests = []  # (method, path, headers) of every request received
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests.append((self.command, self.path, dict(self.headers)))
                action = proxy.actions.pop(0) if proxy.actions else "pass"
                if action == "503":
                    error = b'{"code":"UNAVAILABLE","message":"try again","details":{}}'
                    self.send_response(503)
                    self.send_header("Content-Type", JSON)
                    self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                status, headers, data = response.status, response.getheaders(), response.read()
                upstream.close()
                if action == "drop":
                    self.close_connection = True
                    return
                if action == "500":
                    status, headers = 500, [("Content-Type", JSON)]
                    data = b'{"code":"INTERNAL","message":"lost on the way","details":{}}'
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = handle_one

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def keys(self):
        return [headers.get("Idempotency-Key") for _, _, headers in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def signed_callback(port, provider, event_type, reference, amount, txn_id):
    """Delivers a provider's Standard Webhooks callback, signed as the provider would."""
    body = json.dumps({"type": event_type, "data": {
        "reference": reference, "amount": str(amount), "provider_txn_id": txn_id}})
    delivery, timestamp = "msg_" + uuid.uuid4().hex, str(int(time.time()))
    key = base64.b64decode(WEBHOOK_SECRET[len("whsec_"):])
    mac = hmac.new(key, f"{delivery}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", f"/v1/providers/{provider}/events", body=body, headers={
            "Content-Type": JSON, "webhook-id": delivery, "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(mac).decode()})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def local_today():
    """Today in the market's time zone (market4d's default --utc-offset, +07:00)."""
    return (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(hours=7)).date().isoformat()


class Market4ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log_path = os.path.join(cls.tmp.name, "market4d.log")
        cls.process, cls.port = start_market4d(os.path.join(cls.tmp.name, "data"),
                                               cls.log_path)
        cls.url = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        cls.process.send_signal(signal.SIGTERM)
        code = cls.process.wait(timeout=30)
        cls.tmp.cleanup()
        if code != 0:
            raise AssertionError(f"market4d exited with {code}")

    # ---- Helpers -----------------------------------------------------------------------

    def operator(self, fmt="json", url=None, **options):
        return Market4Client(url or self.url, ADMIN_TOKEN, format=fmt, **options)

    def onboard(self, fmt="json", stock=50):
        """A new merchant with a rau muống listing: (merchant client, merchant, listing)."""
        created = self.operator(fmt).create_merchant(
            name="Cô Ba", phone="0901234567", location="Chợ Vị Thanh, sạp 12")
        merchant = self.operator(fmt).with_token(created.token)
        listing = merchant.create_listing(title="Rau muống", description="tươi, hái sáng nay",
                                          category="rau", unit="bó", price=10000, stock=stock)
        return merchant, created.merchant, listing

    def register(self, fmt="json", deposit=0):
        """A new buyer, with a deposit if asked: (buyer client, buyer)."""
        registered = Market4Client(self.url, format=fmt).create_buyer(name="Anh Tư",
                                                                      phone="0912345678")
        if deposit:
            self.operator(fmt).deposit(registered.buyer.id, amount=deposit)
        return Market4Client(self.url, registered.token, format=fmt), registered.buyer

    def assert_ledger_balanced(self):
        operator = self.operator()
        accounts = list(operator.iter_accounts())
        self.assertGreater(len(accounts), 3)
        self.assertEqual(sum(a.credits_posted - a.debits_posted for a in accounts), 0)
        self.assertEqual(sum(a.credits_pending - a.debits_pending for a in accounts), 0)
        verification = operator.verify_ledger()
        self.assertTrue(verification.ok, verification.problem)

    def assert_error(self, call, status, code):
        with self.assertRaises(Market4Error) as caught:
            call()
        self.assertEqual((caught.exception.status, caught.exception.code), (status, code),
                         str(caught.exception))
        return caught.exception

    # ---- A market day, in both formats -------------------------------------------------

    def test_market_day_in_both_formats(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                merchant, merchant_info, listing = self.onboard(fmt)
                self.assertEqual(merchant.last_response.content_type, MEDIA[fmt])
                self.assertEqual((listing.title, listing.unit, listing.price, listing.stock),
                                 ("Rau muống", "bó", 10000, 50))
                buyer, buyer_info = self.register(fmt, deposit=100000)
                self.assertEqual(buyer.me().buyer.id, buyer_info.id)
                self.assertEqual(buyer.last_response.content_type, MEDIA[fmt])

                found = buyer.search_listings("rau muong", merchant_id=merchant_info.id)
                self.assertEqual([item.id for item in found.listings], [listing.id])
                order = buyer.place_order(items=[{"listing_id": listing.id, "quantity": 3}])
                self.assertEqual(order.status, market_pb2.PENDING_PAYMENT)
                self.assertEqual((order.total, order.commission), (30000, 300))
                self.assertEqual(buyer.get_listing(listing.id).stock, 47)

                order = buyer.pay_order(order.id)
                self.assertEqual(order.status, market_pb2.PAID)
                wallet = buyer.wallet()
                self.assertEqual((wallet.balance, wallet.held), (70000, 30000))
                self.assertEqual(merchant.merchant_balance().escrow, 30000)

                self.assertEqual(merchant.ship_order(order.id).status, market_pb2.SHIPPED)
                order = buyer.confirm_order(order.id)
                self.assertEqual(order.status, market_pb2.COMPLETED)
                self.assertEqual([e.event for e in buyer.get_order(order.id).timeline],
                                 ["CREATED", "PAID", "SHIPPED", "COMPLETED"])

                wallet = buyer.wallet()
                self.assertEqual((wallet.balance, wallet.held), (70000, 0))
                balance = merchant.merchant_balance()
                self.assertEqual((balance.available, balance.escrow), (29700, 0))
                orders = merchant.list_orders(status=market_pb2.COMPLETED)
                self.assertEqual([o.id for o in orders.orders], [order.id])
        self.assert_ledger_balanced()

    def test_listing_update_and_delist(self):
        merchant, merchant_info, listing = self.onboard("protobuf")
        updated = merchant.update_listing(listing.id, price=12000, active=True)
        self.assertEqual((updated.price, updated.stock), (12000, 50))
        self.assertEqual(merchant.delist_listing(listing.id).active, False)
        anyone = Market4Client(self.url, format="protobuf")
        self.assertEqual(len(anyone.search_listings(merchant_id=merchant_info.id).listings), 0)
        self.assert_error(lambda: anyone.get_listing(listing.id), 404, "NOT_FOUND")

    # ---- Idempotency -------------------------------------------------------------------

    def test_deposit_with_the_same_key_moves_money_once(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                operator = self.operator(fmt)
                buyer, buyer_info = self.register(fmt)
                key = str(uuid.uuid4())
                first = operator.deposit(buyer_info.id, amount=100000, idempotency_key=key)
                self.assertFalse(operator.last_response.replayed)
                again = operator.deposit(buyer_info.id, amount=100000, idempotency_key=key)
                self.assertTrue(operator.last_response.replayed)
                self.assertEqual(again, first)
                self.assertEqual(buyer.wallet().balance, 100000)
                # The same key for another amount is refused; nothing moves.
                self.assert_error(lambda: operator.deposit(buyer_info.id, amount=1,
                                                           idempotency_key=key),
                                  422, "IDEMPOTENCY_CONFLICT")
                # Without a key of the caller's, every call gets a fresh one.
                one = operator.deposit(buyer_info.id, amount=5000)
                one_key = operator.last_response.idempotency_key
                two = operator.deposit(buyer_info.id, amount=5000)
                self.assertNotEqual(operator.last_response.idempotency_key, one_key)
                self.assertNotEqual(one.transfer_id, two.transfer_id)
                self.assertEqual(buyer.wallet().balance, 110000)

    def test_order_and_payment_with_the_same_key_happen_once(self):
        merchant, _, listing = self.onboard()
        buyer, _ = self.register(deposit=100000)
        key = str(uuid.uuid4())
        items = [market_pb2.OrderItemRequest(listing_id=listing.id, quantity=3)]
        order = buyer.place_order(market_pb2.CreateOrderRequest(items=items),
                                  idempotency_key=key)
        again = buyer.place_order(items=items, idempotency_key=key)
        self.assertTrue(buyer.last_response.replayed)
        self.assertEqual(again.id, order.id)
        self.assertEqual(buyer.get_listing(listing.id).stock, 47)
        self.assertEqual(len(buyer.list_orders().orders), 1)

        pay_key = str(uuid.uuid4())
        buyer.pay_order(order.id, idempotency_key=pay_key)
        paid = buyer.pay_order(order.id, idempotency_key=pay_key)  # not 409: the first answer
        self.assertTrue(buyer.last_response.replayed)
        self.assertEqual(paid.status, market_pb2.PAID)
        self.assertEqual(buyer.wallet().balance, 70000)
        # A fresh key asks again, and the order is no longer payable.
        self.assert_error(lambda: buyer.pay_order(order.id), 409, "FAILED_PRECONDITION")
        self.assertEqual(buyer.wallet().balance, 70000)

    def test_registration_with_the_same_key_returns_the_same_buyer(self):
        anyone = Market4Client(self.url, format="protobuf")
        key = str(uuid.uuid4())
        first = anyone.create_buyer(name="Chị Sáu", phone="0923456789", idempotency_key=key)
        again = anyone.create_buyer(market_pb2.CreateBuyerRequest(name="Chị Sáu",
                                                                  phone="0923456789"),
                                    idempotency_key=key)
        self.assertTrue(anyone.last_response.replayed)
        self.assertEqual((again.buyer.id, again.token), (first.buyer.id, first.token))
        self.assertEqual(anyone.with_token(first.token).me().buyer.name, "Chị Sáu")

    # ---- Retries under the same key, through a proxy that loses answers ------------------

    def test_a_lost_answer_is_retried_with_the_same_key(self):
        buyer, buyer_info = self.register()
        proxy = FaultyProxy(self.port, ["drop", "500"])
        try:
            operator = self.operator(url=proxy.url)
            deposit = operator.deposit(buyer_info.id, amount=40000)
        finally:
            proxy.close()
        self.assertEqual(deposit.amount, 40000)
        keys = proxy.keys()
        self.assertEqual(len(keys), 3)
        self.assertIsNotNone(keys[0])
        self.assertEqual(len(set(keys)), 1)
        self.assertTrue(operator.last_response.replayed)  # the server had done it
        self.assertEqual(operator.last_response.attempts, 3)
        self.assertEqual(buyer.wallet().balance, 40000)

    def test_503_is_retried_after_retry_after(self):
        buyer, buyer_info = self.register(fmt="protobuf")
        proxy = FaultyProxy(self.port, ["503"], retry_after="1")
        try:
            operator = self.operator("protobuf", url=proxy.url)
            started = time.monotonic()
            operator.deposit(buyer_info.id, amount=25000)
            elapsed = time.monotonic() - started
        finally:
            proxy.close()
        self.assertGreaterEqual(elapsed, 1.0)
        keys = proxy.keys()
        self.assertEqual(len(keys), 2)
        self.assertEqual(keys[0], keys[1])
        self.assertFalse(operator.last_response.replayed)  # the first never reached it
        self.assertEqual(buyer.wallet().balance, 25000)

    def test_retries_are_bounded(self):
        buyer, buyer_info = self.register()
        proxy = FaultyProxy(self.port, ["503"] * 10, retry_after="0")
        try:
            operator = self.operator(url=proxy.url, max_retries=2)
            error = self.assert_error(lambda: operator.deposit(buyer_info.id, amount=1000),
                                      503, "UNAVAILABLE")
            self.assertEqual(error.retry_after, 0)
            self.assertEqual(len(proxy.requests), 3)
            self.assertEqual(len(set(proxy.keys())), 1)

            # A wait longer than max_retry_wait is not waited for: the caller decides.
            proxy.actions, proxy.retry_after, proxy.requests = ["503"], "3600", []
            patient = self.operator(url=proxy.url, max_retry_wait=5)
            started = time.monotonic()
            error = self.assert_error(lambda: patient.deposit(buyer_info.id, amount=1000),
                                      503, "UNAVAILABLE")
            self.assertLess(time.monotonic() - started, 3)
            self.assertEqual((error.retry_after, len(proxy.requests)), (3600, 1))
        finally:
            proxy.close()
        self.assertEqual(buyer.wallet().balance, 0)

    def test_a_call_without_a_key_is_not_repeated(self):
        proxy = FaultyProxy(self.port, ["drop"])
        name = "Anh Minh " + uuid.uuid4().hex[:8]
        try:
            with self.assertRaises(OSError):
                self.operator(url=proxy.url).create_operator(name=name)
        finally:
            proxy.close()
        self.assertEqual(len(proxy.requests), 1)
        self.assertIsNone(proxy.keys()[0])
        named = [o for o in self.operator().list_operators(limit=200).operators
                 if o.name == name]
        self.assertEqual(len(named), 1)  # done once by the server, never twice

    # ---- Errors ------------------------------------------------------------------------

    def test_errors_map_to_market4error(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                merchant, _, listing = self.onboard(fmt, stock=5)
                buyer, buyer_info = self.register(fmt)  # no money
                order = buyer.place_order(items=[{"listing_id": listing.id, "quantity": 1}])
                error = self.assert_error(lambda: buyer.pay_order(order.id),
                                          422, "INSUFFICIENT_FUNDS")
                self.assertTrue(error.message)
                self.assertTrue(error.request_id)
                self.assertEqual(buyer.get_order(order.id).status, market_pb2.PENDING_PAYMENT)
                self.assertEqual(buyer.wallet().balance, 0)

                error = self.assert_error(lambda: merchant.ship_order(order.id),
                                          409, "FAILED_PRECONDITION")
                self.assertEqual(error.details.get("status"), "PENDING_PAYMENT")
                self.assert_error(
                    lambda: buyer.place_order(items=[{"listing_id": listing.id,
                                                      "quantity": 10}]),
                    409, "OUT_OF_STOCK")
                error = self.assert_error(lambda: buyer.get_order("o_" + "0" * 32),
                                          404, "NOT_FOUND")
                self.assertEqual(error.details.get("order_id"), "o_" + "0" * 32)
                self.assert_error(lambda: buyer.create_listing(title="x", unit="kg", price=1,
                                                               stock=1),
                                  403, "PERMISSION_DENIED")
                self.assert_error(lambda: buyer.with_token("not-a-token").wallet(),
                                  401, "UNAUTHENTICATED")
                self.assert_error(lambda: self.operator(fmt).deposit(buyer_info.id, amount=-5),
                                  400, "INVALID_ARGUMENT")

    # ---- Tokens ------------------------------------------------------------------------

    def test_token_rotation(self):
        buyer, buyer_info = self.register(fmt="protobuf")
        old_token = buyer.token
        key = str(uuid.uuid4())
        issued = buyer.rotate_token(idempotency_key=key)
        self.assertEqual((issued.role, issued.id, issued.replaced),
                         ("buyer", buyer_info.id, "rotated"))
        self.assertNotEqual(issued.token, old_token)
        self.assertEqual(buyer.token, issued.token)  # the client calls with the new one
        self.assertEqual(buyer.me().buyer.id, buyer_info.id)

        old = buyer.with_token(old_token)
        self.assert_error(old.me, 401, "UNAUTHENTICATED")
        # A rotation whose answer was lost: the old token may retry it, same key, same token.
        again = old.rotate_token(idempotency_key=key)
        self.assertTrue(old.last_response.replayed)
        self.assertEqual(again.token, issued.token)
        self.assert_error(lambda: buyer.with_token(old_token).rotate_token(), 401,
                          "UNAUTHENTICATED")

        # The operator revokes it (a lost phone): the current token stops, the new one works.
        reissued = self.operator().reissue_buyer_token(buyer_info.id)
        self.assertEqual(reissued.replaced, "revoked")
        self.assert_error(buyer.me, 401, "UNAUTHENTICATED")
        self.assertEqual(buyer.with_token(reissued.token).me().buyer.id, buyer_info.id)

    # ---- The stall, top-ups and payouts --------------------------------------------------

    def test_stall_payment_request(self):
        merchant, _, _ = self.onboard()
        buyer, buyer_info = self.register(deposit=100000)
        request = merchant.create_payment_request(amount=25000, note="2 bó rau muống")
        self.assertEqual((request.status, request.amount), ("OPEN", 25000))
        self.assertTrue(request.qr_payload)
        self.assertEqual(buyer.get_payment_request(request.code).merchant_name, "Cô Ba")
        payment = buyer.pay_payment_request(request.code)
        self.assertEqual((payment.amount, payment.commission, payment.buyer_id),
                         (25000, 250, buyer_info.id))
        self.assert_error(lambda: buyer.pay_payment_request(request.code), 409, "ALREADY_PAID")
        self.assertEqual(buyer.get_payment_request(request.code).status, "PAID")
        self.assertEqual(buyer.wallet().balance, 75000)
        self.assertEqual(merchant.merchant_balance().available, 24750)
        self.assertEqual([p.id for p in merchant.list_stall_payments().payments], [payment.id])
        refunded = merchant.refund_stall_payment(payment.id, amount=5000)
        self.assertEqual(refunded.refunded, 5000)
        self.assertEqual(buyer.wallet().balance, 80000)

    def test_topup_and_payout(self):
        operator = self.operator()
        provider = "momo-" + uuid.uuid4().hex[:8]
        operator.create_provider(id=provider, name="MoMo", scheme=providers_pb2.STANDARD_WEBHOOKS,
                                 secrets=[WEBHOOK_SECRET])
        merchant, _, _ = self.onboard()
        buyer, _ = self.register()
        # The buyer and the merchant see the provider among the payment methods.
        for caller in (buyer, merchant):
            methods = {m.id: (m.name, m.scheme) for m in caller.payment_methods().methods}
            self.assertEqual(methods[provider], ("MoMo", providers_pb2.STANDARD_WEBHOOKS))

        topup = buyer.request_topup(provider=provider, amount=100000)
        self.assertEqual(topup.status, rails_pb2.PENDING)
        self.assertEqual(signed_callback(self.port, provider, "topup.succeeded", topup.id,
                                         100000, "T-" + topup.id), 204)
        self.assertEqual(buyer.get_topup(topup.id).status, rails_pb2.SUCCEEDED)
        self.assertEqual(buyer.wallet().balance, 100000)

        request = merchant.create_payment_request(amount=50000)
        buyer.pay_payment_request(request.code)
        self.assertEqual(merchant.merchant_balance().available, 49500)
        payout = merchant.request_payout(provider=provider, amount=40000,
                                         destination="0901234567")
        self.assertEqual(payout.status, rails_pb2.PENDING)
        self.assertEqual(merchant.merchant_balance().available, 9500)
        self.assertEqual(signed_callback(self.port, provider, "payout.succeeded", payout.id,
                                         40000, "P-" + payout.id), 204)
        self.assertEqual(merchant.get_payout(payout.id).status, rails_pb2.SUCCEEDED)
        self.assertEqual([p.id for p in merchant.list_payouts().payouts], [payout.id])
        succeeded = operator.list_all_payouts(status=rails_pb2.SUCCEEDED, limit=200)
        self.assertIn(payout.id, [p.id for p in succeeded.payouts])
        # The provider's account: 100,000 came in through it, 40,000 went out.
        account = operator.get_account(f"provider.{provider}")
        self.assertEqual((account.debits_posted, account.credits_posted), (100000, 40000))
        self.assert_ledger_balanced()

    # ---- Statements and the operators' day ---------------------------------------------

    def test_statements_and_day_report(self):
        merchant, merchant_info, listing = self.onboard()
        buyer, _ = self.register(deposit=100000)
        order = buyer.place_order(items=[{"listing_id": listing.id, "quantity": 2}])
        buyer.pay_order(order.id)
        merchant.ship_order(order.id)
        buyer.confirm_order(order.id)

        statement = merchant.merchant_statement()
        self.assertEqual(statement.account_id, merchant_info.id + ".available")
        self.assertEqual([line.amount for line in statement.lines], [19800])
        self.assertEqual(statement.closing, merchant.merchant_balance().available)
        by_operator = self.operator().merchant_statement(merchant_id=merchant_info.id)
        self.assertEqual(by_operator.lines, statement.lines)
        self.assertIn("19800", merchant.merchant_statement_csv())
        wallet = buyer.wallet_statement()
        self.assertEqual([line.amount for line in wallet.lines], [100000, -20000])
        self.assertEqual(wallet.closing, 80000)

        operator = self.operator("protobuf")
        today = local_today()
        report = operator.day_report(today)
        self.assertEqual((report.date, report.status), (today, "OPEN"))
        self.assertEqual(sum(a.closing for a in report.accounts), 0)
        self.assertEqual(report.totals.debits, report.totals.credits)
        rows = operator.day_report_csv(today).splitlines()
        self.assertEqual(rows[0], "account_id,opening,debits,credits,closing")
        self.assertEqual(sum(int(row.rsplit(",", 1)[1]) for row in rows[1:]), 0)
        error = self.assert_error(lambda: operator.close_day(today), 409,
                                  "FAILED_PRECONDITION")
        self.assertIn("ends_at", error.details)

    def test_raw_transfers(self):
        operator = self.operator("protobuf")
        a, b = "py-" + uuid.uuid4().hex[:8], "py-" + uuid.uuid4().hex[:8]
        operator.create_account(id=a)
        operator.create_account(ledger_pb2.CreateAccountRequest(
            id=b, debits_must_not_exceed_credits=True))
        transfer = ledger_pb2.NewTransfer(id=a + "-t1", debit_account_id=a,
                                          credit_account_id=b, amount=700, code=1,
                                          pending=True, timeout_seconds=60)
        created = operator.create_transfers(transfers=[transfer])
        self.assertEqual(created.transfers[0].status, ledger_pb2.TRANSFER_STATUS_PENDING)
        operator.create_transfers(transfers=[transfer])
        self.assertTrue(operator.last_response.replayed)
        posted = operator.post_pending(transfer.id, amount=400)
        self.assertEqual(posted.kind, ledger_pb2.TRANSFER_KIND_POST_PENDING)
        account = operator.get_account(b)
        self.assertEqual((account.credits_posted, account.credits_pending), (400, 0))
        history = operator.list_account_transfers(b)
        self.assertEqual(len(history.transfers), 2)
        self.assert_error(lambda: operator.void_pending(transfer.id), 409,
                          "PENDING_TRANSFER_ALREADY_POSTED")

    # ---- The example -------------------------------------------------------------------

    def test_example_market_day(self):
        for fmt in FORMATS:
            with self.subTest(format=fmt):
                env = dict(os.environ, MARKET4_URL=self.url, MARKET4_ADMIN_TOKEN=ADMIN_TOKEN)
                run = subprocess.run([sys.executable, EXAMPLE, "--format", fmt], env=env,
                                     capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertIn("Cô Ba's available                        29,700", run.stdout)
                self.assertIn("the ledger sums to zero and verifies", run.stdout)
                self.assertNotIn("WRONG", run.stdout)


def main():
    global MARKET4D
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        MARKET4D = sys.argv.pop(1)
    MARKET4D = MARKET4D or os.environ.get("MARKET4D") or os.path.join(
        HERE, "..", "..", "..", "build", "bin", "market4d")
    if not os.access(MARKET4D, os.X_OK):
        sys.exit(f"no market4d at {MARKET4D}: pass its path or set MARKET4D")
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
