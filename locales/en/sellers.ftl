# /sellers in the admin console: every seller's marketplaces, sync, errors, chats and SLA.
sellers-module-off = 🏪 The marketplace module is off (MODULES does not include marketplace), so there are no sellers to show.
sellers-none = 🏪 No seller has connected a group yet.
sellers-title = 🏪 <b>Sellers</b>: { $total }{ $problems ->
        [0] {""}
       *[other] {" "}· ⚠️ with problems: { $problems }
    }
    Problems first, newest first. Times in { $timezone }.
sellers-page = Page { $page } of { $pages }
sellers-seller = 🏪 <b>{ $title }</b> · group <code>{ ID($group) }</code>
sellers-rights-lost = ⛔ All sync stopped { $when }: I can't manage the group's topics (not an administrator with "Manage topics").
sellers-no-accounts = No marketplace connected.
sellers-account = { $marketplace }: { $state } · { $synced }
sellers-state-syncing = 🟢 syncing
sellers-state-failing = 🔴 failing
sellers-state-stale = 🟠 no successful sync for { $duration }
sellers-state-no-rights = ⛔ stopped (bot rights)
sellers-state-paused = ⏸ paused by the seller
sellers-state-refused = ⛔ key refused: stopped until the seller's /connect
sellers-last-sync = last sync { $when }
sellers-never-synced = never synced (connected { $when })
sellers-error = ↳ error { $when }: { $error } <code>{ $code }</code>
sellers-chats = 💬 Buyer chats: { $open } open ({ $waiting } waiting for an answer) of { $total }
sellers-sla = ⏱ SLA, { $days } d: <b>{ $percent }%</b> in time ({ $in_time } in time, { $late } late)
sellers-sla-none = ⏱ SLA, { $days } d: nothing answered or overdue yet
sellers-when = { $ago } ({ $time })
sellers-ago = { $duration } ago
sellers-just-now = just now
sellers-previous = ◀️ Previous
sellers-next = Next ▶️
sellers-refresh = 🔄 Refresh

# What the last sync error means, by the code sync records.
sellers-error-credentials = the marketplace refused the API key (wrong or revoked)
sellers-error-premium-required = Ozon wants Premium Plus for chats through the API
sellers-error-rate-limited = the marketplace asked to slow down
sellers-error-unavailable = the marketplace did not answer (5xx, timeout, no connection)
sellers-error-answer-window-closed = the answer window had closed
sellers-error-chat-closed = the chat is closed on the marketplace
sellers-error-chat-not-found = the marketplace does not know the chat
sellers-error-file-refused = the marketplace refused a file
sellers-error-text-refused = the marketplace refused a text
sellers-error-no-reply-sign = no Wildberries reply key for a chat
sellers-error-maybe-delivered = the connection broke while a reply was on its way
sellers-error-rejected = the marketplace refused a request without a known reason
sellers-error-telegram-topic-gone = a buyer's topic was deleted in the group
sellers-error-telegram-no-rights = I may not manage the group's topics
sellers-error-telegram-unavailable = Telegram kept failing while forwarding
sellers-error-telegram-rejected = Telegram refused a forwarded message
sellers-error-unexpected = a bug in sync (see the bot's log)
