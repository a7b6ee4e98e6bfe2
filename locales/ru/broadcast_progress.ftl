## Идущая рассылка в группе администраторов: ход, управление, итог

bcast-progress-running = 📣 <b>Рассылка №{ ID($id) }</b> · отправляется
bcast-progress-paused = ⏸ <b>Рассылка №{ ID($id) }</b> · на паузе
bcast-progress-cancelled = ✖ <b>Рассылка №{ ID($id) }</b> · отменена
bcast-progress-finished = ✅ <b>Рассылка №{ ID($id) }</b> · завершена
bcast-progress-audience = 👥 { $audience } · получателей: { $total }
bcast-progress-sent = ✅ Отправлено: { $sent } из { $total }
bcast-progress-blocked = 🚫 Заблокировали бота: { $count }
bcast-progress-deactivated = 👻 Удалённые аккаунты: { $count }
bcast-progress-failed = ⚠️ Ошибки: { $count }
bcast-progress-unconfirmed = ❔ Без подтверждения (процесс остановился во время отправки; повторно не отправляются, чтобы никто не получил дважды): { $count }
bcast-progress-remaining = ⏳ Осталось: { $count }
bcast-progress-time-left = Ещё примерно { $left }
bcast-progress-took = ⏱ Заняла { $took }

bcast-button-pause = ⏸ Пауза
bcast-button-resume = ▶️ Продолжить
bcast-button-cancel = ✖ Отменить
bcast-button-cancel-sure = ✖ Да, отменить
bcast-button-keep = ◀️ Нет, продолжать

bcast-cancel-question = Отменить рассылку №{ ID($id) }? { $count } пользователей, до которых она ещё не дошла, её не получат. Это нельзя отменить.
bcast-cancel-kept = 👍 Рассылка продолжается.
bcast-cancel-done = ✖ Рассылка №{ ID($id) } отменена.
bcast-done-pause = ⏸ Пауза: то, что уже в очереди, ещё уйдёт.
bcast-done-resume = ▶️ Отправка продолжается.

bcast-refused-draft = Эта рассылка ещё не запущена.
bcast-refused-running = Рассылка уже идёт.
bcast-refused-paused = Рассылка уже на паузе.
bcast-refused-cancelled = Рассылка отменена: менять нечего.
bcast-refused-finished = Рассылка завершена: ставить на паузу или отменять нечего.
bcast-refused-missing = Этой рассылки больше нет.

bcast-report-finished = ✅ Рассылка №{ ID($id) } завершена: отправлено { $sent } из { $total }, заблокировали бота: { $blocked }, удалённых аккаунтов: { $deactivated }, ошибок: { $failed }{ $unconfirmed ->
        [0] {""}
       *[other] , без подтверждения: { $unconfirmed }
    }.
bcast-report-cancelled = ✖ Рассылка №{ ID($id) } отменена: отправлено { $sent } из { $total }, не отправлено: { $remaining }; заблокировали бота: { $blocked }, удалённых аккаунтов: { $deactivated }, ошибок: { $failed }{ $unconfirmed ->
        [0] {""}
       *[other] , без подтверждения: { $unconfirmed }
    }.
