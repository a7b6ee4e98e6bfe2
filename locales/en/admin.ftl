## The admin console in the admin group: who may use it, the audit, health

command-stats = Users, interviews, revenue, desk: the numbers
command-user = A user's card: /user <id or @username>
command-broadcast = Send a message to users: text, photo, button, audience
command-bank = The question bank: coverage, export, import
command-sellers = Sellers: marketplaces, syncs, SLA
command-health = Is everything up?
command-audit = Latest admin actions
command-admins = Who runs the console

admin-refused = ⛔ Only admins can do this. If you were one, an owner has removed you.

user-lookup-bad-reference = Give a numeric Telegram id or an @username, e.g. /user 123456789 or /user @alex.
user-lookup-not-found = Nobody called { $reference } has used the bot.
user-lookup-ambiguous = Several users have been called { $reference }. Use the numeric id instead.
user-lookup-match = • <code>{ ID($id) }</code> · { $name } · last seen { $seen }

admins-title = <b>Admins</b>
admins-owner-line = 👑 { $name } · <code>{ ID($id) }</code> · owner (ADMIN_IDS)
admins-admin-line = 🛠 { $name } · <code>{ ID($id) }</code> · added by <code>{ ID($by) }</code> on { $date }
admins-usage = Owners add and remove admins: <code>/admins add @username</code> or <code>/admins remove 123456789</code>. The person must have started the bot.
admins-remove-button = ✖️ Remove { $name }
admins-added = ✅ { $name } (<code>{ ID($id) }</code>) is now an admin.
admins-removed = ✅ { $name } (<code>{ ID($id) }</code>) is no longer an admin.
admins-refused-not-owner = Only owners (ADMIN_IDS) can add or remove admins.
admins-refused-is-owner = Owners come from ADMIN_IDS in the settings; change them there.
admins-refused-already-admin = They are already an admin.
admins-refused-not-admin = They are not an admin.

audit-title = <b>Latest admin actions</b>
audit-line = { $date } · <code>{ ID($admin) }</code> · <b>{ $action }</b> · { $target }: { $change }
audit-empty = No admin actions match.
audit-older = Older ▸
audit-unknown-filter = I don't know “{ $word }”. Filter by an admin (an id or @username) and/or an action: { $actions }.

health-title = { $healthy ->
    [true] ✅ <b>All systems answer</b>
   *[false] 🔴 <b>Something is down</b>
}
health-database = { $state ->
    [ok] ✅ Database: answers
    [down] 🔴 Database: does not answer within 2 s
   *[not_configured] ➖ Database: not configured
}
health-redis = { $state ->
    [ok] ✅ Redis: answers
    [down] 🔴 Redis: does not answer within 2 s
   *[not_configured] ➖ Redis: not configured (FSM state and throttling live in this process's memory)
}
health-jobs = { $late ->
    [0] ✅ Scheduled jobs: { $count }, all on time
   *[other] 🟠 Scheduled jobs: { $late } of { $count } late ({ $names })
}
health-jobs-unknown = ❔ Scheduled jobs: their last runs could not be read
