## Консоль администратора в админ-группе: кто может ей пользоваться, журнал, здоровье

command-stats = Пользователи, собеседования, выручка, чаты: цифры
command-user = Карточка пользователя: /user <id или @username>
command-broadcast = Рассылка пользователям: текст, фото, кнопка, аудитория
command-bank = Банк вопросов: покрытие, выгрузка, загрузка
command-sellers = Продавцы: маркетплейсы, синхронизация, SLA
command-health = Всё ли работает?
command-audit = Последние действия администраторов
command-admins = Кто управляет консолью

admin-refused = ⛔ Это могут только администраторы. Если вы им были, владелец вас убрал.

user-lookup-bad-reference = Укажите числовой id в Telegram или @username, например /user 123456789 или /user @alex.
user-lookup-not-found = Пользователь { $reference } ботом не пользовался.
user-lookup-ambiguous = Имя { $reference } было у нескольких пользователей. Укажите числовой id.
user-lookup-match = • <code>{ ID($id) }</code> · { $name } · был(а) { $seen }

admins-title = <b>Администраторы</b>
admins-owner-line = 👑 { $name } · <code>{ ID($id) }</code> · владелец (ADMIN_IDS)
admins-admin-line = 🛠 { $name } · <code>{ ID($id) }</code> · добавил <code>{ ID($by) }</code> { $date }
admins-usage = Владельцы добавляют и убирают администраторов: <code>/admins add @username</code> или <code>/admins remove 123456789</code>. Человек должен был запустить бота.
admins-remove-button = ✖️ Убрать { $name }
admins-added = ✅ { $name } (<code>{ ID($id) }</code>) теперь администратор.
admins-removed = ✅ { $name } (<code>{ ID($id) }</code>) больше не администратор.
admins-refused-not-owner = Добавлять и убирать администраторов могут только владельцы (ADMIN_IDS).
admins-refused-is-owner = Владельцы задаются в настройках, в ADMIN_IDS; меняйте их там.
admins-refused-already-admin = Он уже администратор.
admins-refused-not-admin = Он не администратор.

audit-title = <b>Последние действия администраторов</b>
audit-line = { $date } · <code>{ ID($admin) }</code> · <b>{ $action }</b> · { $target }: { $change }
audit-empty = Подходящих действий нет.
audit-older = Раньше ▸
audit-unknown-filter = Не понимаю «{ $word }». Фильтр — администратор (id или @username) и/или действие: { $actions }.

health-title = { $healthy ->
    [true] ✅ <b>Всё отвечает</b>
   *[false] 🔴 <b>Что-то не работает</b>
}
health-database = { $state ->
    [ok] ✅ База данных: отвечает
    [down] 🔴 База данных: не отвечает 2 с
   *[not_configured] ➖ База данных: не настроена
}
health-redis = { $state ->
    [ok] ✅ Redis: отвечает
    [down] 🔴 Redis: не отвечает 2 с
   *[not_configured] ➖ Redis: не настроен (состояния FSM и ограничение частоты — в памяти процесса)
}
health-jobs = { $late ->
    [0] ✅ Плановые задачи: { $count }, все вовремя
   *[other] 🟠 Плановые задачи: опаздывают { $late } из { $count } ({ $names })
}
health-jobs-unknown = ❔ Плановые задачи: не удалось прочитать их последние запуски
