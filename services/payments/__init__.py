"""Payments: the catalogue, orders, crediting exactly once, refunds. No aiogram here.

- `catalog`: products, prices (integers in minor units: stars for XTR, kopecks for RUB), price
  changes with their history, parsing and formatting amounts.
- `orders`: an order per purchase attempt, its unguessable payload, the pre-checkout check.
- `crediting`: a payment recorded once per charge id; what it bought goes through
  `services.entitlements` (credits in the ledger, or subscription days).
- `refunds`: request, approve (plan + complete once the provider accepted) or reject; and
  `balance_view`, what /balance shows.
- `locking`: row locks and savepoints that behave on PostgreSQL and SQLite alike.
- `seeding`: the four products and their default prices (`python -m bot seed`).

Every function runs in the caller's transaction and commits nothing.
"""
