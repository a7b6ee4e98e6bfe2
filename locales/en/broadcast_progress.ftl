## A running broadcast in the admin group: progress, controls, the report at the end

bcast-progress-running = 📣 <b>Broadcast #{ ID($id) }</b> · sending
bcast-progress-paused = ⏸ <b>Broadcast #{ ID($id) }</b> · paused
bcast-progress-cancelled = ✖ <b>Broadcast #{ ID($id) }</b> · cancelled
bcast-progress-finished = ✅ <b>Broadcast #{ ID($id) }</b> · finished
bcast-progress-audience = 👥 { $audience } · { $total ->
        [one] { $total } recipient
       *[other] { $total } recipients
    }
bcast-progress-sent = ✅ Sent: { $sent } of { $total }
bcast-progress-blocked = 🚫 Blocked the bot: { $count }
bcast-progress-deactivated = 👻 Deleted accounts: { $count }
bcast-progress-failed = ⚠️ Failed: { $count }
bcast-progress-unconfirmed = ❔ Unconfirmed (a process stopped while sending them; not sent again, so nobody gets it twice): { $count }
bcast-progress-remaining = ⏳ Remaining: { $count }
bcast-progress-time-left = About { $left } left
bcast-progress-took = ⏱ Took { $took }

bcast-button-pause = ⏸ Pause
bcast-button-resume = ▶️ Resume
bcast-button-cancel = ✖ Cancel
bcast-button-cancel-sure = ✖ Yes, cancel it
bcast-button-keep = ◀️ No, keep sending

bcast-cancel-question = Cancel broadcast #{ ID($id) }? The { $count } users it has not reached yet will not get it. This cannot be undone.
bcast-cancel-kept = 👍 The broadcast goes on.
bcast-cancel-done = ✖ Broadcast #{ ID($id) } is cancelled.
bcast-done-pause = ⏸ Paused: what was already queued still goes out.
bcast-done-resume = ▶️ Sending again.

bcast-refused-draft = This broadcast has not started yet.
bcast-refused-running = The broadcast is already sending.
bcast-refused-paused = The broadcast is already paused.
bcast-refused-cancelled = The broadcast was cancelled: nothing to change.
bcast-refused-finished = The broadcast has finished: nothing to pause or cancel.
bcast-refused-missing = This broadcast no longer exists.

bcast-report-finished = ✅ Broadcast #{ ID($id) } finished: { $sent } of { $total } sent, { $blocked } blocked the bot, { $deactivated } deleted accounts, { $failed } failed{ $unconfirmed ->
        [0] {""}
       *[other] , { $unconfirmed } unconfirmed
    }.
bcast-report-cancelled = ✖ Broadcast #{ ID($id) } cancelled: { $sent } of { $total } sent, { $remaining } not sent; { $blocked } blocked the bot, { $deactivated } deleted accounts, { $failed } failed{ $unconfirmed ->
        [0] {""}
       *[other] , { $unconfirmed } unconfirmed
    }.
