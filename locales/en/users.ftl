## /user: a user's card in the admin group (credits, blocking, the last report), and the notice a blocked user gets

card-title = 👤 <b>{ $name }</b> · { $username } · <code>{ ID($id) }</code>
card-no-username = no @username
card-profile = 🌐 Language: { $language } · joined { $joined } · last seen { $seen }
card-banned = 🚫 <b>Blocked</b> by <code>{ ID($by) }</code> since { $since } · { $notice_sent ->
    [no] the notice is not sent yet (it goes with their next message)
   *[other] notice sent { $notice }
}
card-not-banned = ✅ Not blocked
card-bot-blocked = { $blocked ->
    [yes] 📵 Has blocked the bot: messages to them fail
   *[no] 📬 Receives the bot's messages
}
card-balance = 💳 Balance: { $credits } interview credits · free interviews used: { $used } of { $free }
card-subscription = ⭐ Subscription until { $until }
card-no-subscription = ⭐ No active subscription
card-interviews = 🎤 Interviews: { $started } started, { $completed } completed · average score { $average } · practice drills: { $drills }
card-last-interview = Last: #{ ID($id) } on { $date } · { $mode ->
    [track] track
    [tailored] tailored
    [practice] practice
   *[other] { $mode }
} { $track } · { $status ->
    [active] in progress
    [finished] finished
    [abandoned] abandoned
   *[other] { $status }
} · score { $score }
card-payments = 💰 Payments: { $count } · { $sums }
card-no-payments = 💰 No payments
card-refunds = ↩️ Refunded: { $count } · { $sums }
card-no-refunds = ↩️ No refunds
card-open-refund-requests = ⏳ Open refund requests: { $count }
card-user-gone = This user no longer exists.

card-button-grant = ➕ Grant credits
card-button-take = ➖ Take credits
card-button-block = 🚫 Block
card-button-unblock = ✅ Unblock
card-button-report = 📄 Open last report
card-button-refresh = 🔄 Refresh

card-credits-ask-grant = { $admin }, how many interview credits to grant { $name } (balance: { $balance })? Reply with a number and the reason, e.g. <code>5 compensation for the outage</code>. At most { $limit } at once. /cancel to stop.
card-credits-ask-take = { $admin }, how many interview credits to take from { $name } (balance: { $balance })? Reply with a number and the reason, e.g. <code>2 granted by mistake</code>. /cancel to stop.
card-credits-not-a-number = Start with a whole number of credits, then the reason, e.g. <code>5 compensation for the outage</code>. Or /cancel.
card-credits-not-positive = The number of credits must be at least 1. Try again or /cancel.
card-credits-over-limit = At most { $limit } credits at once (ADMIN_CREDIT_LIMIT). Nothing was changed. Send a smaller number or /cancel.
card-credits-no-reason = Add the reason after the number, e.g. <code>5 compensation for the outage</code>: it goes into the ledger. Or /cancel.
card-credits-reason-too-long = The reason is too long: at most { $max } characters. Try a shorter one or /cancel.
card-credits-over-balance = They have only { $balance } credits, so that many cannot be taken. Nothing was changed. Send a smaller number or /cancel.
card-credits-no-user = This user no longer exists. Nothing was changed.
card-credits-expired = This step has expired. Open the card again with /user.
card-credits-done-grant = ✅ Granted { $amount } credits: balance { $before } → { $after }. Reason: { $reason }
card-credits-done-take = ✅ Took { $amount } credits: balance { $before } → { $after }. Reason: { $reason }

card-block-refused-is-admin = Owners and admins cannot be blocked. An owner removes an admin with /admins first.
card-block-refused-no-user = This user no longer exists.
card-block-refused-already-banned = They are already blocked.
card-block-refused-not-banned = They are not blocked.

card-report-module-off = The interview module is off: there are no reports to open.
card-report-none = They have no finished interview with a report.
card-report-caption = 📄 The report of interview #{ ID($interview) } of user <code>{ ID($id) }</code>, finished { $date }

card-banned-notice = Your access to EasyFlow has been suspended by its administrators, so the bot will no longer answer your messages. Thank you for understanding.
