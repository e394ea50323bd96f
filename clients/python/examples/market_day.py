#!/usr/bin/env python3
"""A market day through the Python client.

The operator onboards Cô Ba, who lists rau muống at 10,000 dong a bó; Anh Tư registers, gets
100,000 dong at the cash desk, searches "rau muong", orders 3 bó and pays from his wallet;
Cô Ba ships and Anh Tư confirms. The script prints the balances, checks them, checks that
the whole ledger sums to zero and that its hash chain verifies, and exits 0 (1 if a check
fails or the server refuses something).

    PYTHONPATH=build/clients/python:clients/python \\
        clients/python/examples/market_day.py [URL] [--token TOKEN] [--format protobuf]

URL defaults to $MARKET4_URL, then http://127.0.0.1:8080; the operator's token to
$MARKET4_ADMIN_TOKEN.
"""

import argparse
import os
import sys

from market4.v1 import market_pb2
from market4_client import Market4Client, Market4Error

PRICE = 10000  # dong per bó
QUANTITY = 3
DEPOSIT = 100000


class Checks:
    def __init__(self):
        self.failures = 0

    def equal(self, what, got, want):
        mark = "ok" if got == want else "WRONG"
        print(f"  {what:<36} {got:>10,}   (expected {want:,}) {mark}")
        if got != want:
            self.failures += 1

    def true(self, what, condition, detail=""):
        print(f"  {what:<36} {'ok' if condition else 'WRONG'} {detail}".rstrip())
        if not condition:
            self.failures += 1


def market_day(url, token, wire_format):
    check = Checks()
    operator = Market4Client(url, token, format=wire_format)

    print("== The operator onboards a merchant")
    created = operator.create_merchant(name="Cô Ba", phone="0901234567",
                                       location="Chợ Vị Thanh, sạp 12")
    merchant = operator.with_token(created.token)
    print(f"  Cô Ba is {created.merchant.id}")

    print("== Cô Ba lists rau muống")
    listing = merchant.create_listing(title="Rau muống", description="tươi, hái sáng nay",
                                      category="rau", unit="bó", price=PRICE, stock=50)
    print(f"  {listing.title}: {listing.price:,} dong/{listing.unit}, {listing.stock} in stock")

    print("== A buyer registers and gets a deposit at the cash desk")
    registered = Market4Client(url, format=wire_format).create_buyer(name="Anh Tư",
                                                                     phone="0912345678")
    buyer = operator.with_token(registered.token)
    deposit = operator.deposit(registered.buyer.id, amount=DEPOSIT)
    print(f"  Anh Tư is {registered.buyer.id}; deposit {deposit.amount:,} ({deposit.transfer_id})")

    print('== Anh Tư searches "rau muong", orders 3 bó and pays from his wallet')
    found = buyer.search_listings("rau muong", merchant_id=created.merchant.id)
    check.true("search finds the listing", [item.id for item in found.listings] == [listing.id])
    order = buyer.place_order(items=[{"listing_id": listing.id, "quantity": QUANTITY}])
    order = buyer.pay_order(order.id)
    total, commission = order.total, order.commission
    print(f"  order {order.id}: total {total:,}, commission {commission:,}")
    check.equal("order total", total, PRICE * QUANTITY)
    check.equal("commission", commission, total * order.commission_bps // 10000)
    wallet = buyer.wallet()
    check.equal("wallet balance after paying", wallet.balance, DEPOSIT - total)
    check.equal("held in escrow", wallet.held, total)

    print("== Cô Ba ships, Anh Tư confirms")
    merchant.ship_order(order.id)
    order = buyer.confirm_order(order.id)
    check.true("order completed", order.status == market_pb2.COMPLETED,
               f"({market_pb2.OrderStatus.Name(order.status)})")

    print("== Balances")
    wallet = buyer.wallet()
    balance = merchant.merchant_balance()
    check.equal("Anh Tư's wallet", wallet.balance, DEPOSIT - total)
    check.equal("Anh Tư's money held", wallet.held, 0)
    check.equal("Cô Ba's available", balance.available, total - commission)
    check.equal("Cô Ba's escrow", balance.escrow, 0)

    print("== The whole ledger")
    posted = pending = count = 0
    for account in operator.iter_accounts():
        count += 1
        posted += account.credits_posted - account.debits_posted
        pending += account.credits_pending - account.debits_pending
    check.equal(f"sum over {count} accounts (posted)", posted, 0)
    check.equal(f"sum over {count} accounts (pending)", pending, 0)
    verification = operator.verify_ledger()
    check.true("ledger verifies", verification.ok,
               f"({verification.entries} entries, head {verification.head[:12]}…)"
               if verification.ok else verification.problem)
    return check.failures


def main():
    parser = argparse.ArgumentParser(description="A market day through the Python client.")
    parser.add_argument("url", nargs="?",
                        default=os.environ.get("MARKET4_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("MARKET4_ADMIN_TOKEN"),
                        help="the operator's token (default $MARKET4_ADMIN_TOKEN)")
    parser.add_argument("--format", choices=("json", "protobuf"), default="json")
    args = parser.parse_args()
    if not args.token:
        parser.error("give the operator's token: --token or $MARKET4_ADMIN_TOKEN")
    try:
        failures = market_day(args.url, args.token, args.format)
    except Market4Error as error:
        print(f"market4d refused: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot reach {args.url}: {error}", file=sys.stderr)
        return 1
    if failures:
        print(f"\n{failures} check(s) failed.", file=sys.stderr)
        return 1
    print("\nEvery balance is right, the ledger sums to zero and verifies.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
