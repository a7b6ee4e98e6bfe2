## /stats in the admin group: the business in numbers (services/console/stats.py)

stats-title = 📊 <b>Stats</b> · { $moment } UTC
stats-none = —
stats-percent = { $value }%
# A 0-10 score with one decimal.
stats-score = { NUMBER($value, minimumFractionDigits: 1, maximumFractionDigits: 1) }

stats-users-title = <b>Users</b>
stats-users-total = In all: <b>{ $count }</b>
stats-users-new = New: { $day } in 24 h · { $week } in 7 days · { $month } in 30 days
stats-users-active = Active (seen): { $day } in 24 h · { $week } in 7 days · { $month } in 30 days

stats-interviews-title = <b>Interviews</b> (track and tailored) · last 30 days / all time
stats-interviews-started = Started: <b>{ $month }</b> / { $all }
stats-interviews-completed = Completed: <b>{ $month }</b> ({ $month_percent }) / { $all } ({ $all_percent })
stats-interviews-score = Average score of the completed: <b>{ $month }</b> / { $all }
stats-answers-voice = Answered by voice, last 30 days: <b>{ $percent }</b> ({ $voice } of { $answered } answers, practice included; skipped questions not counted)
stats-interviews-practice = Practice drills (apart from the above): { $month } / { $all }

stats-revenue-title = <b>Revenue</b> (payments received) · last 30 days / all time
stats-revenue-line = { $product }: <b>{ $month_amount }</b> ({ $month_count }) / { $all_amount } ({ $all_count })
stats-revenue-none = No payments yet.
stats-refunds-line = Refunded: <b>{ $month_amount }</b> ({ $month_count }) / { $all_amount } ({ $all_count })
stats-refunds-none = Refunded: nothing.
stats-conversion = Free → paid, all time: <b>{ $percent }</b> — { $paid } of the { $started } users who started an interview or a practice drill have paid at least once

stats-desk-title = <b>Marketplace desk</b>
stats-desk-chats = Buyer chats: { $total } in all · { $new } new in 30 days · { $open } open
stats-desk-sla = Answered in time, last 30 days: <b>{ $percent }</b> ({ $in_time } in time, { $late } late; all sellers)

stats-chart-title = Last 30 days (UTC days)
stats-chart-new-users = new users
stats-chart-started = interviews started
stats-chart-completed = interviews completed
