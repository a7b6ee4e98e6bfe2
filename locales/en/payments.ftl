## Payments: buying, receipts, balance, refunds, and the admin group's prices

command-buy = Buy interviews
command-balance = My balance
command-paysupport = Payment support and refunds
command-price = Prices: /price <product> <currency> <amount>

buy-title = 💳 <b>Buy interviews</b>
buy-nothing-on-sale = Nothing is on sale right now. Please check back later.
buy-product-line =
    <b>{ $title }</b> — { $prices }
    { $description }
buy-choose-method =
    <b>{ $title }</b>
    { $description }

    How would you like to pay?
buy-method-stars = ⭐ Telegram Stars · { $price }
buy-method-telegram-card = 💳 Card in Telegram · { $price }
buy-method-yookassa-link = 🏦 YooKassa (card, SBP) · { $price }
buy-pay-button = Pay { $price }
buy-subscription-link = ⭐ <b>{ $title }</b>: tap the button to subscribe with Telegram Stars. It renews every 30 days; cancel any time in Telegram's settings.
buy-yookassa-link = 🏦 <b>{ $title }</b>: tap the button to pay on YooKassa's page. I'll write here as soon as the payment arrives.
buy-provider-unavailable = ⚠️ The payment service is not answering right now. Nothing was charged. Please try again in a minute or pay with Telegram Stars.

checkout-refused-unknown-order = This invoice is not valid any more. Please open /buy and start again.
checkout-refused-not-yours = This invoice was made for another user. Please open /buy to get your own.
checkout-refused-price-changed = The price has changed since this invoice was made. Please open /buy for an invoice with the current price.
checkout-refused-already-paid = This invoice is already paid. Check /balance.
checkout-refused-canceled = This order was cancelled. Please open /buy and start again.
checkout-refused-product-gone = This product is not sold any more. Please open /buy to see what is available.

paid-receipt =
    ✅ <b>Payment received</b>: { $title } for { $price }.
    Interview credits: <b>{ $credits }</b> · Receipt #{ ID($payment) }
    Start an interview with /interview; see your balance with /balance.
paid-subscription-until = 🔓 Unlimited interviews until { $until }.
paid-canceled = ❌ The payment was cancelled and nothing was charged. You can try again with /buy.
paid-unmatched = ⚠️ I received a payment but could not match it to an order. Don't worry: the team has been told and will sort it out. You can also write to /paysupport.
paid-unmatched-admin = ⚠️ A payment from user { ID($user) } (charge { $charge }) matches no order. Please check it.
paid-admin-note = 💰 { $payer } ({ ID($user) }) paid { $price } for { $title } · payment #{ ID($payment) }

balance-title =
    👛 <b>Your balance</b>
    Free interviews left: { $free } · Interview credits: { $credits }
balance-subscription = 🔓 Unlimited interviews until { $until }
balance-payments-header = <b>Last payments</b>
balance-payment-line = { $date } · { $title } · { $price }{ $refunded ->
        [yes] {" "}(refunded)
       *[no] {""}
    }
balance-no-payments = No payments yet. See /buy.

paysupport-terms =
    🧾 <b>Payments and refunds</b>
    Interview packs and the subscription are digital goods delivered at once. You can ask for a refund within { $days } days of paying if the purchased interviews were not used. Refunds go back the way you paid (Stars to your Telegram balance, cards to the card).
paysupport-nothing-to-refund = You have no payments that can be refunded right now. For any other question, write here and we will answer.
paysupport-pick = Which payment should be refunded?
paysupport-payment-button = { $date } · { $title } · { $price }
paysupport-ask-reason = ✍️ Please tell us in one message why you want a refund.
paysupport-requested = 📨 Refund request #{ ID($request) } was sent. We will answer here soon.

refund-refused-not-found = That payment can't be found.
refund-refused-not-yours = That payment belongs to someone else.
refund-refused-too-old = That payment is older than the refund period.
refund-refused-already-requested = A refund for that payment has already been requested.
refund-refused-already-refunded = That payment has already been refunded.
refund-refused-already-decided = This request has already been decided.
refund-refused-credits-used = The interviews from this purchase have been used, so it can't be refunded under the terms.
refund-provider-failed = The payment provider did not accept the refund; nothing changed. Try again later.
refund-user-approved-stars = ✅ Your refund was approved: { $price } went back to your Telegram Stars balance.
refund-user-approved-yookassa = ✅ Your refund was approved: { $price } is on its way back to your card (usually within a few days).
refund-user-approved-manual = ✅ Your refund was approved: { $price } will be returned to your card by our team within a few days.
refund-user-rejected = ❌ Your refund request was declined. Reason: { $reason }

refund-admin-request =
    🧾 <b>Refund request #{ ID($request) }</b>
    From { $name } ({ ID($user) }), payment #{ ID($payment) }
    Reason: { $reason }
refund-admin-approve = ✅ Approve
refund-admin-reject = ❌ Reject
refund-admin-ask-reason = { $admin }, reply with the reason for rejecting request #{ ID($request) } (the user will read it).
refund-admin-rejected = Request #{ ID($request) } rejected; the user was told why.
refund-admin-approved-stars = ✅ Approved: { $price } refunded in Stars.
refund-admin-approved-yookassa = ✅ Approved: { $price } refunded through YooKassa.
refund-admin-approved-manual = ✅ Approved. This card payment went through Telegram's provider: refund { $price } in the YooKassa dashboard (charge { $charge }). Credits were taken back.

price-list-title = 💲 <b>Prices</b>
price-list-line = { $product } · { $currency }: { $price }
price-history-title = <b>Latest changes</b>
price-history-line = { $date } · { $product } { $currency }: { $old } → { $new } (by { $admin })
price-usage = Set a price: <code>/price PRODUCT CURRENCY AMOUNT</code>, e.g. <code>/price pack_5 RUB 590</code> or <code>/price pack_5 XTR 250</code>.
price-confirm = Set the price of { $product } to { $price }?
price-confirm-yes = ✅ Yes, set it
price-confirm-no = ✖️ Cancel
price-set = ✅ { $product } now costs { $price }. New invoices use it; older unpaid ones are refused at checkout.
price-cancelled = Price change cancelled.
price-rejected-unknown-product = ⚠️ No such product. /price lists them.
price-rejected-wrong-currency = ⚠️ The currency must be XTR (Telegram Stars) or RUB.
price-rejected-not-positive = ⚠️ A price must be greater than zero.
price-rejected-too-small = ⚠️ That price is below the minimum (1 ⭐ or 1.00 ₽).
price-rejected-too-large = ⚠️ That price is too large.
price-rejected-not-a-number = ⚠️ The amount must be a number, like 590 or 590.00 (RUB) or 250 (XTR, whole stars).
