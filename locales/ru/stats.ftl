## /stats в админ-группе: бизнес в цифрах (services/console/stats.py)

stats-title = 📊 <b>Статистика</b> · { $moment } UTC
stats-none = —
stats-percent = { $value }%
# Оценка 0-10 с одним знаком после запятой.
stats-score = { NUMBER($value, minimumFractionDigits: 1, maximumFractionDigits: 1) }

stats-users-title = <b>Пользователи</b>
stats-users-total = Всего: <b>{ $count }</b>
stats-users-new = Новые: { $day } за 24 ч · { $week } за 7 дней · { $month } за 30 дней
stats-users-active = Активные (заходили): { $day } за 24 ч · { $week } за 7 дней · { $month } за 30 дней

stats-interviews-title = <b>Собеседования</b> (по трекам и под вакансию) · 30 дней / всё время
stats-interviews-started = Начато: <b>{ $month }</b> / { $all }
stats-interviews-completed = Завершено: <b>{ $month }</b> ({ $month_percent }) / { $all } ({ $all_percent })
stats-interviews-score = Средняя оценка завершённых: <b>{ $month }</b> / { $all }
stats-answers-voice = Голосом за 30 дней: <b>{ $percent }</b> ({ $voice } из { $answered } ответов, с тренировками; пропущенные вопросы не считаются)
stats-interviews-practice = Тренировки (не входят в цифры выше): { $month } / { $all }

stats-revenue-title = <b>Выручка</b> (полученные платежи) · 30 дней / всё время
stats-revenue-line = { $product }: <b>{ $month_amount }</b> ({ $month_count }) / { $all_amount } ({ $all_count })
stats-revenue-none = Платежей пока нет.
stats-refunds-line = Возвращено: <b>{ $month_amount }</b> ({ $month_count }) / { $all_amount } ({ $all_count })
stats-refunds-none = Возвратов нет.
stats-conversion = Из бесплатных в платящие, за всё время: <b>{ $percent }</b> — { $paid } из { $started } пользователей, начинавших собеседование или тренировку, платили хотя бы раз

stats-desk-title = <b>Маркетплейсы</b>
stats-desk-chats = Чаты с покупателями: { $total } всего · { $new } новых за 30 дней · { $open } открыто
stats-desk-sla = Отвечено вовремя за 30 дней: <b>{ $percent }</b> ({ $in_time } вовремя, { $late } с опозданием; все продавцы)

stats-chart-title = Последние 30 дней (дни по UTC)
stats-chart-new-users = новые пользователи
stats-chart-started = начато собеседований
stats-chart-completed = завершено собеседований
