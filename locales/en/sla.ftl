## SLA of the marketplace desk: policy, alerts, report, open chats

command-sla = Answer-time targets (SLA) and the report
command-chats = Open buyer chats, nearest deadline first
command-close = Close this buyer chat (no SLA alerts)


sla-buyer-unnamed = Buyer
sla-buyer-order = { $buyer }, order { ID($order) }

sla-alert-warning = ⚠️ SLA warning · { $marketplace }
    { $buyer } has waited { $waited } for { $metric ->
        [first] a first answer
       *[next] an answer
    }. Due at { $due }, in { $left }.
sla-alert-breach = 🔴 SLA breach · { $marketplace }
    { $buyer } has waited { $waited } for { $metric ->
        [first] a first answer
       *[next] an answer
    }. It was due at { $due }. Answer now, or /close the chat if nothing is needed.
sla-alert-open = Open the chat →
sla-topic-name = ⏰ SLA
sla-topic-header = ⏰ SLA alerts of this desk: a warning before an answer is due, and a breach when the deadline passes, each with a link to the chat. /sla shows and sets the targets, /chats lists open chats by deadline.

sla-hours-always = around the clock
sla-hours-span = { $days }, { $opens }–{ $closes }
sla-weekday-1 = Mon
sla-weekday-2 = Tue
sla-weekday-3 = Wed
sla-weekday-4 = Thu
sla-weekday-5 = Fri
sla-weekday-6 = Sat
sla-weekday-7 = Sun

sla-policy-title = ⏰ <b>SLA policy</b>{ $custom ->
    [true] {""}
   *[false] {" "}(the default)
}
sla-policy-first = First answer within: <b>{ $target }</b>
sla-policy-next = Next answers within: <b>{ $target }</b>
sla-policy-warn = Warning at: <b>{ $percent }%</b> of the time
sla-policy-hours = Working hours: <b>{ $hours }</b> ({ $timezone })
sla-policy-holidays = Holidays: { $holidays }
sla-policy-window = { $marketplace } closes answers after { $window }: no deadline goes past that.
sla-policy-usage = To change (admins): <code>/sla first 30m</code> · <code>/sla next 2h</code> · <code>/sla warn 80</code> · <code>/sla hours mon-fri 09:00-18:00</code> (or <code>off</code>) · <code>/sla timezone Europe/Moscow</code> · <code>/sla holiday add 2027-01-07</code> (or <code>remove</code>, <code>clear</code>).
    Report: <code>/sla report today</code>, <code>7</code> or <code>30</code>.
sla-policy-saved = ✅ Saved by { $name }. Deadlines of chats waiting now follow the new policy.
sla-in-private = SLA targets, the report and the open chats live in your shop's support group: send /sla or /chats there.
sla-unknown = I don't know “{ $setting }”. Send /sla to see what can be set.
sla-missing-value = Add the value after “{ $setting }”, for example <code>/sla first 30m</code>. Send /sla for all the settings.
sla-report-usage = Which period? <code>/sla report today</code>, <code>/sla report 7</code> or <code>/sla report 30</code>.

sla-error-malformed-duration = “{ $text }” is not a duration. Write it like <code>30m</code>, <code>2h</code>, <code>1h30m</code> or <code>1d</code>.
sla-error-zero-target = A target of { $target } is no target. Give at least a minute, like <code>15m</code>.
sla-error-over-window = { $target } is longer than { $marketplace }'s answer window ({ $window }): the buyer could not be answered by then. Give { $window } or less.
sla-error-over-limit = { $target } is too long: the longest target is { $limit }.
sla-error-malformed-share = “{ $text }” is not a share. Write a percentage, like <code>75</code> or <code>80%</code>.
sla-error-share-out-of-range = The warning must come between { $minimum }% and { $maximum }% of the time, not at { $text }.
sla-error-malformed-hours = “{ $text }” is not a range of hours. Write it like <code>mon-fri 09:00-18:00</code>, or <code>off</code> for around the clock.
sla-error-empty-hours = In “{ $text }” the day ends before it starts. Hours over midnight are not supported: write the day's start first, like <code>09:00-18:00</code>.
sla-error-malformed-days = “{ $text }” are not days. Write them like <code>mon-fri</code>, <code>mon,wed,fri</code> or <code>daily</code>.
sla-error-unknown-timezone = “{ $text }” is not a time zone I know. Use a name like <code>Europe/Moscow</code> or <code>Asia/Yekaterinburg</code>.
sla-error-malformed-date = “{ $text }” is not a date. Write <code>/sla holiday add 2027-01-07</code> (or <code>07.01.2027</code>), <code>remove</code> a date, or <code>clear</code>.

sla-button-report = 📊 { $days ->
    [0] Today
   *[other] { $days } days
}
sla-button-chats = 📋 Open chats
sla-report-title = 📊 <b>SLA report · { $days ->
    [0] today
   *[other] last { $days } days
}</b>
sla-report-empty = No buyer waited for an answer in this period.
sla-report-waits = Buyer waits: { $waits }{ $pending ->
    [0] {""}
   *[other] {" "}({ $pending } still running)
}
sla-report-share = Answered in time: <b>{ $percent }%</b> ({ $in_time } of { $answered })
sla-report-first = First answer: median { $median }, 90% within { $p90 }
sla-report-by-marketplace = Breaches by marketplace: { $breaches }
sla-report-by-member = Breaches by member: { $breaches }
sla-report-nobody = no answer from the group
sla-report-member-unknown = member { ID($id) }
sla-chart-title = { $days ->
    [0] Today, by hour
   *[other] Last { $days } days
}
sla-chart-in-time = answered in time
sla-chart-late = late
sla-chart-share = in time, %

chats-filter-all = All
chats-filter-unanswered = Unanswered
chats-filter-urgent = Urgent
chats-filter-ozon = Ozon
chats-filter-wb = WB
chats-title = 📋 <b>Open chats · { $filter }</b> ({ $total })
chats-empty = Nothing here: no open chat matches.
chats-answered = 💬 answered, last message { $ago } ago
chats-overdue = 🔴 overdue by { $late }
chats-due = { $urgent ->
    [true] 🟠
   *[false] 🟢
} due in { $left } ({ $due })

sla-close-where = Send /close in a buyer's topic to close that chat.
sla-closed = ✔️ Chat closed: no SLA alerts until the buyer writes again.
sla-closed-already = This chat is closed already.
