"""A small client for market4d's HTTP API.

Every method takes and returns the messages generated from proto/market4/v1 (the modules
market4.v1.*_pb2, which the build writes to build/clients/python). Bodies travel as JSON in
protobuf's canonical mapping (format="json", the default) or as binary protobuf
(format="protobuf"). A failed request raises Market4Error with the server's Error body.

    from market4_client import Market4Client

    operator = Market4Client("http://127.0.0.1:8080", token=admin_token)
    created = operator.create_merchant(name="Cô Ba", phone="0901234567",
                                       location="Chợ Vị Thanh, sạp 12")
    merchant = operator.with_token(created.token)
    listing = merchant.create_listing(title="Rau muống", unit="bó", price=10000, stock=50)

A method whose request message has fields accepts either the message itself or its fields as
keyword arguments: create_listing(market_pb2.CreateListingRequest(...)) or
create_listing(title=..., ...).

Idempotency. Calls that move money or create something send an Idempotency-Key: a fresh
uuid4 for each call, or the caller's own (idempotency_key=...). When such a call loses its
connection or gets a 5xx, the client sends it again with the same key, so the server answers
the first result instead of doing it twice. 429 and 503 answers (the server did nothing) are
retried after their Retry-After. Retries are bounded (max_retries, max_retry_wait); after
that the error (Market4Error, or the connection's OSError) reaches the caller, who may retry
later with its own key.

Standard library and google.protobuf only. A client object is not meant to be shared by
threads that call it at the same time (last_response is per client).
"""

import http.client
import random
import time
import urllib.parse
import uuid

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from market4.v1 import error_pb2
from market4.v1 import ledger_pb2
from market4.v1 import market_pb2
from market4.v1 import operations_pb2
from market4.v1 import providers_pb2
from market4.v1 import rails_pb2
from market4.v1 import stall_pb2
from market4.v1 import statements_pb2

__all__ = ["Market4Client", "Market4Error", "Response", "JSON", "PROTOBUF"]

JSON = "application/json"
PROTOBUF = "application/x-protobuf"
CSV = "text/csv"

_FORMATS = {"json": JSON, "protobuf": PROTOBUF}
# Methods whose repetition changes nothing more than the first call did.
_IDEMPOTENT_METHODS = {"GET", "HEAD", "PUT", "DELETE"}


class Market4Error(Exception):
    """A request the server refused: its HTTP status and the Error body's code, message and
    details (a dict). retry_after is the Retry-After header in seconds, when there was one."""

    def __init__(self, status, code, message, details=None, request_id=None,
                 retry_after=None):
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self):
        text = f"{self.status} {self.code}: {self.message}"
        if self.details:
            text += " " + ", ".join(f"{k}={v}" for k, v in sorted(self.details.items()))
        return text


class Response:
    """What the last answer looked like besides its body: HTTP status, headers (lower-case
    names), whether the server replayed a stored answer (Idempotent-Replayed), the request id,
    the Idempotency-Key sent and how many attempts it took."""

    def __init__(self, status, headers, idempotency_key, attempts):
        self.status = status
        self.headers = headers
        self.idempotency_key = idempotency_key
        self.attempts = attempts

    @property
    def replayed(self):
        return self.headers.get("idempotent-replayed", "").lower() == "true"

    @property
    def request_id(self):
        return self.headers.get("x-request-id")

    @property
    def content_type(self):
        return self.headers.get("content-type", "")

    def __repr__(self):
        return (f"Response(status={self.status}, replayed={self.replayed}, "
                f"attempts={self.attempts}, request_id={self.request_id!r})")


def _message(cls, request, fields):
    """The request message: the one given, or one built from keyword fields."""
    if request is None:
        return cls(**fields)
    if fields:
        raise TypeError(f"pass a {cls.__name__} or its fields, not both")
    if not isinstance(request, cls):
        raise TypeError(f"expected {cls.__name__}, got {type(request).__name__}")
    return request


def _key(idempotency_key):
    return idempotency_key if idempotency_key is not None else str(uuid.uuid4())


def _media_type(content_type):
    return content_type.split(";", 1)[0].strip().lower()


def _segment(value):
    if not value:
        raise ValueError("an id in the path may not be empty")
    return urllib.parse.quote(str(value), safe="")


class Market4Client:
    """A client of one market4d, calling as the holder of `token` (None: no token, for
    public routes such as registering a buyer or searching listings)."""

    def __init__(self, base_url, token=None, format="json", timeout=30.0, max_retries=3,
                 max_retry_wait=30.0):
        if format not in _FORMATS:
            raise ValueError('format must be "json" or "protobuf"')
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port]: {base_url!r}")
        self.base_url = base_url
        self.token = token
        self.format = format
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.last_response = None
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._media = _FORMATS[format]

    def with_token(self, token):
        """A client of the same server and settings, calling with another token."""
        return Market4Client(self.base_url, token, self.format, self.timeout,
                             self.max_retries, self.max_retry_wait)

    # ---- Transport ---------------------------------------------------------------------

    def _encode(self, message):
        if self.format == "protobuf":
            return message.SerializeToString()
        return json_format.MessageToJson(message, preserving_proto_field_name=True,
                                         indent=None, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _decode(data, content_type, cls):
        message = cls()
        if _media_type(content_type) == PROTOBUF:
            message.ParseFromString(data)
        else:
            json_format.Parse(data.decode("utf-8"), message, ignore_unknown_fields=True)
        return message

    def _send_once(self, method, target, headers, payload):
        connection_class = (http.client.HTTPSConnection if self._https
                            else http.client.HTTPConnection)
        connection = connection_class(self._host, self._port, timeout=self.timeout)
        try:
            connection.request(method, target, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, data
        finally:
            connection.close()

    def _backoff(self, attempt):
        return min(self.max_retry_wait, 0.2 * 2 ** attempt) * random.uniform(0.5, 1.0)

    def _retry_wait(self, headers, attempt):
        """Seconds to wait before trying again, or None to give up now."""
        if attempt >= self.max_retries:
            return None
        retry_after = headers.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            wait = int(retry_after)
            return wait if wait <= self.max_retry_wait else None
        return self._backoff(attempt)

    def _error(self, status, headers, data):
        retry_after = headers.get("retry-after")
        retry_after = int(retry_after) if retry_after and retry_after.isdigit() else None
        request_id = headers.get("x-request-id")
        try:
            error = self._decode(data, headers.get("content-type", ""), error_pb2.Error)
        except (DecodeError, json_format.ParseError, ValueError):
            error = None  # not an Error body: a proxy's page, say
        if error is None or not error.code:
            text = data.decode("utf-8", "replace").strip()[:200]
            text = text or http.client.responses.get(status, "error")
            return Market4Error(status, f"HTTP_{status}", text, None, request_id, retry_after)
        return Market4Error(status, error.code, error.message, dict(error.details),
                            request_id, retry_after)

    def _exchange(self, method, path, body=None, query=None, key=None, retry_safe=False,
                  accept=None):
        """Sends one call, with its bounded retries; returns (status, headers, data)."""
        target = self._prefix + path
        if query:
            pairs = {}
            for name, value in query.items():
                if value is None or value == "":
                    continue
                pairs[name] = ("true" if value else "false") if isinstance(value, bool) else value
            if pairs:
                target += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": accept or self._media}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if key is not None:
            headers["Idempotency-Key"] = key
        payload = None
        if body is not None:
            headers["Content-Type"] = self._media
            payload = self._encode(body)
        retry_safe = retry_safe or key is not None or method in _IDEMPOTENT_METHODS
        attempt = 0
        while True:
            try:
                status, response_headers, data = self._send_once(method, target, headers,
                                                                 payload)
            except (OSError, http.client.HTTPException):
                # The request may or may not have been done: only a call that is safe to
                # repeat (a read, or one under an Idempotency-Key) is sent again.
                if not retry_safe or attempt >= self.max_retries:
                    raise
                time.sleep(self._backoff(attempt))
                attempt += 1
                continue
            # 429 and 503 are refusals: nothing was done, so any call may come back. Another
            # 5xx may have happened after the work was done: only safe calls are repeated.
            if status in (429, 503) or (status >= 500 and retry_safe):
                wait = self._retry_wait(response_headers, attempt)
                if wait is not None:
                    time.sleep(wait)
                    attempt += 1
                    continue
            self.last_response = Response(status, response_headers, key, attempt + 1)
            if status >= 400:
                raise self._error(status, response_headers, data)
            return status, response_headers, data

    def _call(self, method, path, response_type, body=None, query=None, key=None,
              retry_safe=False, alternatives=None):
        """One call answered by a `response_type` message (or, for a status listed in
        `alternatives`, by that status's message type)."""
        status, headers, data = self._exchange(method, path, body, query, key, retry_safe)
        cls = (alternatives or {}).get(status, response_type)
        return self._decode(data, headers.get("content-type", ""), cls)

    def _text(self, path, query=None):
        """A GET answered as CSV text."""
        _, _, data = self._exchange("GET", path, query=query, accept=CSV)
        return data.decode("utf-8")

    # ---- Health ------------------------------------------------------------------------

    def health(self):
        """GET /healthz (no token needed)."""
        return self._call("GET", "/healthz", ledger_pb2.HealthResponse)

    # ---- Merchants, buyers, tokens -----------------------------------------------------

    def create_merchant(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/merchants (operator) -> CreateMerchantResponse; its token is shown once.
        A retry under the same key gets the same merchant and token."""
        return self._call("POST", "/v1/merchants", market_pb2.CreateMerchantResponse,
                          _message(market_pb2.CreateMerchantRequest, request, fields),
                          key=_key(idempotency_key))

    def list_merchants(self, limit=None, page_token=None):
        """GET /v1/merchants (operator) -> ListMerchantsResponse."""
        return self._call("GET", "/v1/merchants", market_pb2.ListMerchantsResponse,
                          query={"limit": limit, "page_token": page_token})

    def get_merchant(self, merchant_id):
        """GET /v1/merchants/{id} (operator) -> Merchant."""
        return self._call("GET", "/v1/merchants/" + _segment(merchant_id), market_pb2.Merchant)

    def create_buyer(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/buyers (anyone) -> CreateBuyerResponse; its token is shown once. The key
        acts as a password for the first answer, so the default (a random uuid4) is right."""
        return self._call("POST", "/v1/buyers", market_pb2.CreateBuyerResponse,
                          _message(market_pb2.CreateBuyerRequest, request, fields),
                          key=_key(idempotency_key))

    def list_buyers(self, limit=None, page_token=None):
        """GET /v1/buyers (operator) -> ListBuyersResponse."""
        return self._call("GET", "/v1/buyers", market_pb2.ListBuyersResponse,
                          query={"limit": limit, "page_token": page_token})

    def get_buyer(self, buyer_id):
        """GET /v1/buyers/{id} (operator) -> Buyer."""
        return self._call("GET", "/v1/buyers/" + _segment(buyer_id), market_pb2.Buyer)

    def deposit(self, buyer_id, request=None, *, idempotency_key=None, **fields):
        """POST /v1/buyers/{id}/deposits (operator): cash desk -> wallet. -> Deposit."""
        return self._call("POST", f"/v1/buyers/{_segment(buyer_id)}/deposits",
                          market_pb2.Deposit,
                          _message(market_pb2.DepositRequest, request, fields),
                          key=_key(idempotency_key))

    def me(self):
        """GET /v1/me -> Me: whose token this is."""
        return self._call("GET", "/v1/me", market_pb2.Me)

    def rotate_token(self, *, idempotency_key=None):
        """POST /v1/me/token/rotate (merchant, buyer, named operator) -> IssuedToken.

        The old token stops at once; this client then calls with the new one. A retry with
        the old token and the same key (for 10 minutes) gets the same new token."""
        issued = self._call("POST", "/v1/me/token/rotate", market_pb2.IssuedToken,
                            market_pb2.RotateTokenRequest(), key=_key(idempotency_key))
        self.token = issued.token
        return issued

    def reissue_merchant_token(self, merchant_id, *, idempotency_key=None):
        """POST /v1/merchants/{id}/token (operator): revokes the merchant's token and issues
        a new one. -> IssuedToken."""
        return self._call("POST", f"/v1/merchants/{_segment(merchant_id)}/token",
                          market_pb2.IssuedToken, market_pb2.ReissueTokenRequest(),
                          key=_key(idempotency_key))

    def reissue_buyer_token(self, buyer_id, *, idempotency_key=None):
        """POST /v1/buyers/{id}/token (operator): revokes the buyer's token and issues a new
        one. -> IssuedToken."""
        return self._call("POST", f"/v1/buyers/{_segment(buyer_id)}/token",
                          market_pb2.IssuedToken, market_pb2.ReissueTokenRequest(),
                          key=_key(idempotency_key))

    # ---- Listings ----------------------------------------------------------------------

    def create_listing(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/listings (merchant) -> Listing."""
        return self._call("POST", "/v1/listings", market_pb2.Listing,
                          _message(market_pb2.CreateListingRequest, request, fields),
                          key=_key(idempotency_key))

    def search_listings(self, q=None, *, merchant_id=None, category=None, min_price=None,
                        max_price=None, in_stock=None, limit=None, page_token=None):
        """GET /v1/listings (anyone) -> ListListingsResponse. `q` matches words of the title
        with or without diacritics ("rau muong" finds "Rau muống")."""
        return self._call("GET", "/v1/listings", market_pb2.ListListingsResponse, query={
            "q": q, "merchant_id": merchant_id, "category": category,
            "min_price": min_price, "max_price": max_price, "in_stock": in_stock,
            "limit": limit, "page_token": page_token})

    def get_listing(self, listing_id):
        """GET /v1/listings/{id} -> Listing."""
        return self._call("GET", "/v1/listings/" + _segment(listing_id), market_pb2.Listing)

    def update_listing(self, listing_id, request=None, **fields):
        """PATCH /v1/listings/{id} (its merchant): only the fields given change. -> Listing."""
        return self._call("PATCH", "/v1/listings/" + _segment(listing_id), market_pb2.Listing,
                          _message(market_pb2.UpdateListingRequest, request, fields),
                          retry_safe=True)

    def delist_listing(self, listing_id):
        """DELETE /v1/listings/{id} (its merchant): active becomes false. -> Listing."""
        return self._call("DELETE", "/v1/listings/" + _segment(listing_id),
                          market_pb2.Listing)

    # ---- Orders ------------------------------------------------------------------------

    def place_order(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/orders (buyer) -> Order (PENDING_PAYMENT). Fields: items, a list of
        OrderItemRequest or of dicts {"listing_id", "quantity"}."""
        return self._call("POST", "/v1/orders", market_pb2.Order,
                          _message(market_pb2.CreateOrderRequest, request, fields),
                          key=_key(idempotency_key))

    def get_order(self, order_id):
        """GET /v1/orders/{id} -> Order with items, totals and timeline."""
        return self._call("GET", "/v1/orders/" + _segment(order_id), market_pb2.Order)

    def list_orders(self, status=None, limit=None, page_token=None):
        """GET /v1/orders: the caller's orders (an operator's: all), newest first. `status` is
        an OrderStatus name or number. -> ListOrdersResponse."""
        if isinstance(status, int):
            status = market_pb2.OrderStatus.Name(status)
        return self._call("GET", "/v1/orders", market_pb2.ListOrdersResponse,
                          query={"status": status, "limit": limit, "page_token": page_token})

    def pay_order(self, order_id, provider=None, *, idempotency_key=None):
        """POST /v1/orders/{id}/pay (its buyer) -> Order. From the wallet (PAID), or with
        `provider` through that e-wallet (still PENDING_PAYMENT, with a pending payment)."""
        request = rails_pb2.PayOrderRequest(provider=provider or "")
        return self._call("POST", f"/v1/orders/{_segment(order_id)}/pay", market_pb2.Order,
                          request, key=_key(idempotency_key))

    def _act(self, order_id, action, idempotency_key):
        return self._call("POST", f"/v1/orders/{_segment(order_id)}/{action}",
                          market_pb2.Order, ledger_pb2.VoidPendingRequest(),
                          key=_key(idempotency_key))

    def ship_order(self, order_id, *, idempotency_key=None):
        """POST /v1/orders/{id}/ship (its merchant) -> Order (SHIPPED)."""
        return self._act(order_id, "ship", idempotency_key)

    def confirm_order(self, order_id, *, idempotency_key=None):
        """POST /v1/orders/{id}/confirm (its buyer) -> Order (COMPLETED): escrow -> merchant
        and platform fees."""
        return self._act(order_id, "confirm", idempotency_key)

    def cancel_order(self, order_id, *, idempotency_key=None):
        """POST /v1/orders/{id}/cancel (buyer, merchant or operator, before shipping) ->
        Order (CANCELLED)."""
        return self._act(order_id, "cancel", idempotency_key)

    def refund_order(self, order_id, request=None, *, idempotency_key=None, **fields):
        """POST /v1/orders/{id}/refund (its merchant): merchant -> wallet. -> Order."""
        return self._call("POST", f"/v1/orders/{_segment(order_id)}/refund", market_pb2.Order,
                          _message(market_pb2.RefundRequest, request, fields),
                          key=_key(idempotency_key))

    def order_vietqr(self, order_id, provider):
        """GET /v1/orders/{id}/vietqr?provider= (its buyer) -> VietQr."""
        return self._call("GET", f"/v1/orders/{_segment(order_id)}/vietqr", stall_pb2.VietQr,
                          query={"provider": provider})

    # ---- Balances ----------------------------------------------------------------------

    def wallet(self):
        """GET /v1/wallet (buyer) -> Wallet {balance, held, movements}."""
        return self._call("GET", "/v1/wallet", market_pb2.Wallet)

    def merchant_balance(self):
        """GET /v1/merchant/balance (merchant) -> MerchantBalance {available, escrow}."""
        return self._call("GET", "/v1/merchant/balance", market_pb2.MerchantBalance)

    # ---- Providers, top-ups, payouts, exceptions ---------------------------------------

    def create_provider(self, request=None, **fields):
        """POST /v1/providers (operator) -> CreateProviderResponse."""
        return self._call("POST", "/v1/providers", providers_pb2.CreateProviderResponse,
                          _message(providers_pb2.CreateProviderRequest, request, fields))

    def list_providers(self, limit=None, page_token=None):
        """GET /v1/providers (operator) -> ListProvidersResponse."""
        return self._call("GET", "/v1/providers", providers_pb2.ListProvidersResponse,
                          query={"limit": limit, "page_token": page_token})

    def payment_methods(self):
        """GET /v1/payment-methods (any token) -> ListPaymentMethodsResponse {methods}."""
        return self._call("GET", "/v1/payment-methods", providers_pb2.ListPaymentMethodsResponse)

    def get_provider(self, provider_id):
        """GET /v1/providers/{id} (operator) -> Provider."""
        return self._call("GET", "/v1/providers/" + _segment(provider_id),
                          providers_pb2.Provider)

    def request_topup(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/wallet/topups (buyer) -> TopUp (PENDING until the provider's event)."""
        return self._call("POST", "/v1/wallet/topups", rails_pb2.TopUp,
                          _message(rails_pb2.TopUpRequest, request, fields),
                          key=_key(idempotency_key))

    def list_topups(self, limit=None, page_token=None):
        """GET /v1/wallet/topups (buyer) -> ListTopUpsResponse."""
        return self._call("GET", "/v1/wallet/topups", rails_pb2.ListTopUpsResponse,
                          query={"limit": limit, "page_token": page_token})

    def get_topup(self, topup_id):
        """GET /v1/wallet/topups/{id} (buyer) -> TopUp."""
        return self._call("GET", "/v1/wallet/topups/" + _segment(topup_id), rails_pb2.TopUp)

    def request_payout(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/merchant/payouts (merchant) -> Payout (PENDING); the amount leaves
        `available` at once."""
        return self._call("POST", "/v1/merchant/payouts", rails_pb2.Payout,
                          _message(rails_pb2.PayoutRequest, request, fields),
                          key=_key(idempotency_key))

    def list_payouts(self, limit=None, page_token=None):
        """GET /v1/merchant/payouts (merchant): its own payouts, newest first.
        -> ListPayoutsResponse."""
        return self._call("GET", "/v1/merchant/payouts", rails_pb2.ListPayoutsResponse,
                          query={"limit": limit, "page_token": page_token})

    def list_all_payouts(self, status=None, limit=None, page_token=None):
        """GET /v1/payouts (operator) -> ListPayoutsResponse."""
        if isinstance(status, int):
            status = rails_pb2.RailStatus.Name(status)
        return self._call("GET", "/v1/payouts", rails_pb2.ListPayoutsResponse,
                          query={"status": status, "limit": limit, "page_token": page_token})

    def get_payout(self, payout_id):
        """GET /v1/merchant/payouts/{id} (merchant) -> Payout."""
        return self._call("GET", "/v1/merchant/payouts/" + _segment(payout_id),
                          rails_pb2.Payout)

    def list_exceptions(self, status=None, limit=None, page_token=None):
        """GET /v1/exceptions?status= (operator) -> ListExceptionsResponse."""
        if isinstance(status, int):
            status = rails_pb2.ExceptionStatus.Name(status)
        return self._call("GET", "/v1/exceptions", rails_pb2.ListExceptionsResponse,
                          query={"status": status, "limit": limit, "page_token": page_token})

    def get_exception(self, exception_id):
        """GET /v1/exceptions/{id} (operator) -> ProviderException."""
        return self._call("GET", "/v1/exceptions/" + _segment(exception_id),
                          rails_pb2.ProviderException)

    def resolve_exception(self, exception_id, request=None, **fields):
        """POST /v1/exceptions/{id}/resolve (operator): CREDIT_BUYER or DISMISS, once; the
        same body again answers the stored resolution. -> ProviderException."""
        return self._call("POST", f"/v1/exceptions/{_segment(exception_id)}/resolve",
                          rails_pb2.ProviderException,
                          _message(rails_pb2.ResolveExceptionRequest, request, fields),
                          retry_safe=True)

    # ---- At the stall ------------------------------------------------------------------

    def create_payment_request(self, request=None, *, idempotency_key=None, **fields):
        """POST /v1/payment-requests (merchant) -> PaymentRequest {code, amount, status,
        qr_payload, ...}; without an amount the buyer types it."""
        return self._call("POST", "/v1/payment-requests", stall_pb2.PaymentRequest,
                          _message(stall_pb2.CreatePaymentRequestRequest, request, fields),
                          key=_key(idempotency_key))

    def get_payment_request(self, code):
        """GET /v1/payment-requests/{code} (any token) -> PaymentRequest."""
        return self._call("GET", "/v1/payment-requests/" + _segment(code),
                          stall_pb2.PaymentRequest)

    def pay_payment_request(self, code, request=None, *, idempotency_key=None, **fields):
        """POST /v1/payment-requests/{code}/pay (buyer): wallet -> the merchant, at once.
        `amount` only for an open-amount request. -> StallPayment."""
        return self._call("POST", f"/v1/payment-requests/{_segment(code)}/pay",
                          stall_pb2.StallPayment,
                          _message(stall_pb2.PayPaymentRequestRequest, request, fields),
                          key=_key(idempotency_key))

    def merchant_qr(self):
        """GET /v1/merchant/qr (merchant): the reusable, open-amount stall request."""
        return self._call("GET", "/v1/merchant/qr", stall_pb2.PaymentRequest)

    def list_stall_payments(self, limit=None, page_token=None):
        """GET /v1/merchant/stall-payments (merchant) -> ListStallPaymentsResponse."""
        return self._call("GET", "/v1/merchant/stall-payments",
                          stall_pb2.ListStallPaymentsResponse,
                          query={"limit": limit, "page_token": page_token})

    def refund_stall_payment(self, payment_id, request=None, *, idempotency_key=None,
                             **fields):
        """POST /v1/stall-payments/{id}/refund (its merchant) -> StallPayment."""
        return self._call("POST", f"/v1/stall-payments/{_segment(payment_id)}/refund",
                          stall_pb2.StallPayment,
                          _message(stall_pb2.StallRefundRequest, request, fields),
                          key=_key(idempotency_key))

    # ---- Statements --------------------------------------------------------------------

    @staticmethod
    def _period(from_date, to_date, limit, page_token):
        return {"from": from_date, "to": to_date, "limit": limit, "page_token": page_token}

    def merchant_statement(self, from_date=None, to_date=None, *, merchant_id=None,
                           limit=None, page_token=None):
        """The merchant's own statement (GET /v1/merchant/statement) or, for an operator,
        merchant_id's (GET /v1/merchants/{id}/statement). Dates are local business days,
        YYYY-MM-DD; none means today. -> Statement."""
        path = ("/v1/merchant/statement" if merchant_id is None
                else f"/v1/merchants/{_segment(merchant_id)}/statement")
        return self._call("GET", path, statements_pb2.Statement,
                          query=self._period(from_date, to_date, limit, page_token))

    def wallet_statement(self, from_date=None, to_date=None, *, limit=None, page_token=None):
        """GET /v1/wallet/statement (buyer) -> Statement."""
        return self._call("GET", "/v1/wallet/statement", statements_pb2.Statement,
                          query=self._period(from_date, to_date, limit, page_token))

    def merchant_statement_csv(self, from_date=None, to_date=None, *, merchant_id=None):
        """The same statement as CSV text (time,description,amount,balance)."""
        path = ("/v1/merchant/statement" if merchant_id is None
                else f"/v1/merchants/{_segment(merchant_id)}/statement")
        return self._text(path, {"from": from_date, "to": to_date})

    # ---- Ledger ------------------------------------------------------------------------

    def create_account(self, request=None, **fields):
        """POST /v1/accounts (operator) -> Account. The same id and fields again replay."""
        return self._call("POST", "/v1/accounts", ledger_pb2.Account,
                          _message(ledger_pb2.CreateAccountRequest, request, fields),
                          retry_safe=True)

    def get_account(self, account_id):
        """GET /v1/accounts/{id} (operator) -> Account."""
        return self._call("GET", "/v1/accounts/" + _segment(account_id), ledger_pb2.Account)

    def list_accounts(self, limit=None, page_token=None):
        """GET /v1/accounts (operator): every ledger account, in id order.
        -> ListAccountsResponse."""
        return self._call("GET", "/v1/accounts", ledger_pb2.ListAccountsResponse,
                          query={"limit": limit, "page_token": page_token})

    def iter_accounts(self, page_size=200):
        """Every ledger account, page after page."""
        page_token = None
        while True:
            page = self.list_accounts(limit=page_size, page_token=page_token)
            yield from page.accounts
            if not page.next_page_token:
                return
            page_token = page.next_page_token

    def list_account_transfers(self, account_id, limit=None, page_token=None):
        """GET /v1/accounts/{id}/transfers (operator), newest first. -> ListTransfersResponse."""
        return self._call("GET", f"/v1/accounts/{_segment(account_id)}/transfers",
                          ledger_pb2.ListTransfersResponse,
                          query={"limit": limit, "page_token": page_token})

    def create_transfers(self, request=None, **fields):
        """POST /v1/transfers (operator): all or none. -> CreateTransfersResponse, whose
        `approval` is set instead of `transfers` when a second operator must approve (202).
        A transfer's id is its idempotency key: the same request again replays."""
        response = self._call("POST", "/v1/transfers", ledger_pb2.CreateTransfersResponse,
                              _message(ledger_pb2.CreateTransfersRequest, request, fields),
                              retry_safe=True,
                              alternatives={202: ledger_pb2.ApprovalResponse})
        if isinstance(response, ledger_pb2.ApprovalResponse):
            return ledger_pb2.CreateTransfersResponse(approval=response.approval)
        return response

    def get_transfer(self, transfer_id):
        """GET /v1/transfers/{id} (operator) -> Transfer."""
        return self._call("GET", "/v1/transfers/" + _segment(transfer_id),
                          ledger_pb2.Transfer)

    def post_pending(self, transfer_id, amount=None):
        """POST /v1/transfers/{id}/post (operator): all of the reservation, or `amount` of it.
        -> the posting Transfer, or an ApprovalResponse when it waits for a second
        operator."""
        request = ledger_pb2.PostPendingRequest()
        if amount is not None:
            request.amount = amount
        return self._call("POST", f"/v1/transfers/{_segment(transfer_id)}/post",
                          ledger_pb2.Transfer, request, retry_safe=True,
                          alternatives={202: ledger_pb2.ApprovalResponse})

    def void_pending(self, transfer_id):
        """POST /v1/transfers/{id}/void (operator) -> the voiding Transfer, or an
        ApprovalResponse."""
        return self._call("POST", f"/v1/transfers/{_segment(transfer_id)}/void",
                          ledger_pb2.Transfer, ledger_pb2.VoidPendingRequest(),
                          retry_safe=True, alternatives={202: ledger_pb2.ApprovalResponse})

    def verify_ledger(self):
        """GET /v1/ledger/verify (operator): the hash chain and every balance recomputed.
        -> LedgerVerification."""
        return self._call("GET", "/v1/ledger/verify", operations_pb2.LedgerVerification)

    # ---- The operators' day ------------------------------------------------------------

    def create_operator(self, request=None, **fields):
        """POST /v1/operators (admin token) -> CreateOperatorResponse; the token is shown
        once."""
        return self._call("POST", "/v1/operators", operations_pb2.CreateOperatorResponse,
                          _message(operations_pb2.CreateOperatorRequest, request, fields))

    def list_operators(self, limit=None, page_token=None):
        """GET /v1/operators (operator) -> ListOperatorsResponse."""
        return self._call("GET", "/v1/operators", operations_pb2.ListOperatorsResponse,
                          query={"limit": limit, "page_token": page_token})

    def disable_operator(self, operator_id):
        """POST /v1/operators/{id}/disable (admin token) -> Operator."""
        return self._call("POST", f"/v1/operators/{_segment(operator_id)}/disable",
                          operations_pb2.Operator, operations_pb2.DisableOperatorRequest(),
                          retry_safe=True)

    def list_approvals(self, status=None, limit=None, page_token=None):
        """GET /v1/approvals?status= (operator) -> ListApprovalsResponse."""
        if isinstance(status, int):
            status = ledger_pb2.ApprovalStatus.Name(status)
        return self._call("GET", "/v1/approvals", ledger_pb2.ListApprovalsResponse,
                          query={"status": status, "limit": limit, "page_token": page_token})

    def get_approval(self, approval_id):
        """GET /v1/approvals/{id} (operator) -> Approval."""
        return self._call("GET", "/v1/approvals/" + _segment(approval_id),
                          ledger_pb2.Approval)

    def approve(self, approval_id):
        """POST /v1/approvals/{id}/approve (another operator) -> Approval (APPROVED, with
        the entries it applied)."""
        return self._call("POST", f"/v1/approvals/{_segment(approval_id)}/approve",
                          ledger_pb2.Approval, ledger_pb2.DecideApprovalRequest())

    def reject(self, approval_id):
        """POST /v1/approvals/{id}/reject (another operator) -> Approval (REJECTED)."""
        return self._call("POST", f"/v1/approvals/{_segment(approval_id)}/reject",
                          ledger_pb2.Approval, ledger_pb2.DecideApprovalRequest())

    def list_days(self, limit=None, page_token=None):
        """GET /v1/days (operator): day closes, newest first. -> ListDaysResponse."""
        return self._call("GET", "/v1/days", operations_pb2.ListDaysResponse,
                          query={"limit": limit, "page_token": page_token})

    def close_day(self, date):
        """POST /v1/days/{YYYY-MM-DD}/close (operator, the maker) -> DayClose
        (PENDING_APPROVAL). Closing again returns the stored close."""
        return self._call("POST", f"/v1/days/{_segment(date)}/close", operations_pb2.DayClose,
                          operations_pb2.CloseDayRequest(), retry_safe=True)

    def approve_day(self, date):
        """POST /v1/days/{YYYY-MM-DD}/approve (another operator, the checker) -> DayClose
        (CLOSED)."""
        return self._call("POST", f"/v1/days/{_segment(date)}/approve",
                          operations_pb2.DayClose, operations_pb2.ApproveDayRequest())

    def day_report(self, date):
        """GET /v1/days/{YYYY-MM-DD}/report (operator) -> DayReport; before the close, a
        preview with status OPEN."""
        return self._call("GET", f"/v1/days/{_segment(date)}/report",
                          operations_pb2.DayReport)

    def day_report_csv(self, date):
        """The day report as CSV text (account_id,opening,debits,credits,closing)."""
        return self._text(f"/v1/days/{_segment(date)}/report")
