## /user: карточка пользователя в админ-группе (кредиты, блокировка, последний отчёт) и уведомление заблокированному

card-title = 👤 <b>{ $name }</b> · { $username } · <code>{ ID($id) }</code>
card-no-username = без @username
card-profile = 🌐 Язык: { $language } · с нами с { $joined } · был(а) { $seen }
card-banned = 🚫 <b>Заблокирован(а)</b> администратором <code>{ ID($by) }</code> с { $since } · { $notice_sent ->
    [no] уведомление ещё не отправлено (уйдёт в ответ на следующее сообщение)
   *[other] уведомление отправлено { $notice }
}
card-not-banned = ✅ Не заблокирован(а)
card-bot-blocked = { $blocked ->
    [yes] 📵 Заблокировал(а) бота: сообщения не доходят
   *[no] 📬 Получает сообщения бота
}
card-balance = 💳 Баланс: кредитов на собеседования — { $credits } · бесплатных собеседований использовано: { $used } из { $free }
card-subscription = ⭐ Подписка до { $until }
card-no-subscription = ⭐ Нет активной подписки
card-interviews = 🎤 Собеседования: начато { $started }, завершено { $completed } · средний балл { $average } · тренировок: { $drills }
card-last-interview = Последнее: #{ ID($id) } от { $date } · { $mode ->
    [track] по треку
    [tailored] под вакансию
    [practice] тренировка
   *[other] { $mode }
} { $track } · { $status ->
    [active] идёт
    [finished] завершено
    [abandoned] брошено
   *[other] { $status }
} · балл { $score }
card-payments = 💰 Платежи: { $count } · { $sums }
card-no-payments = 💰 Платежей нет
card-refunds = ↩️ Возвращено: { $count } · { $sums }
card-no-refunds = ↩️ Возвратов нет
card-open-refund-requests = ⏳ Открытых заявок на возврат: { $count }
card-user-gone = Этого пользователя больше нет.

card-button-grant = ➕ Начислить кредиты
card-button-take = ➖ Списать кредиты
card-button-block = 🚫 Заблокировать
card-button-unblock = ✅ Разблокировать
card-button-report = 📄 Последний отчёт
card-button-refresh = 🔄 Обновить

card-credits-ask-grant = { $admin }, сколько кредитов на собеседования начислить { $name } (баланс: { $balance })? Ответьте числом и причиной, например <code>5 компенсация за сбой</code>. Не больше { $limit } за раз. /cancel — отменить.
card-credits-ask-take = { $admin }, сколько кредитов на собеседования списать у { $name } (баланс: { $balance })? Ответьте числом и причиной, например <code>2 начислены по ошибке</code>. /cancel — отменить.
card-credits-not-a-number = Начните с целого числа кредитов, затем причина, например <code>5 компенсация за сбой</code>. Или /cancel.
card-credits-not-positive = Число кредитов должно быть не меньше 1. Попробуйте ещё раз или /cancel.
card-credits-over-limit = Не больше { $limit } кредитов за раз (ADMIN_CREDIT_LIMIT). Ничего не изменено. Отправьте число поменьше или /cancel.
card-credits-no-reason = Добавьте причину после числа, например <code>5 компенсация за сбой</code>: она попадёт в журнал начислений. Или /cancel.
card-credits-reason-too-long = Причина слишком длинная: не больше { $max } символов. Сократите или /cancel.
card-credits-over-balance = У пользователя только { $balance } кредитов, столько списать нельзя. Ничего не изменено. Отправьте число поменьше или /cancel.
card-credits-no-user = Этого пользователя больше нет. Ничего не изменено.
card-credits-expired = Этот шаг устарел. Откройте карточку снова через /user.
card-credits-done-grant = ✅ Начислено { $amount }: баланс { $before } → { $after }. Причина: { $reason }
card-credits-done-take = ✅ Списано { $amount }: баланс { $before } → { $after }. Причина: { $reason }

card-block-refused-is-admin = Владельцев и администраторов заблокировать нельзя. Сначала владелец убирает администратора через /admins.
card-block-refused-no-user = Этого пользователя больше нет.
card-block-refused-already-banned = Пользователь уже заблокирован.
card-block-refused-not-banned = Пользователь не заблокирован.

card-report-module-off = Модуль собеседований выключен: отчётов нет.
card-report-none = У пользователя нет завершённого собеседования с отчётом.
card-report-caption = 📄 Отчёт о собеседовании #{ ID($interview) } пользователя <code>{ ID($id) }</code>, завершено { $date }

card-banned-notice = Администраторы EasyFlow приостановили ваш доступ, поэтому бот больше не будет отвечать на ваши сообщения. Спасибо за понимание.
