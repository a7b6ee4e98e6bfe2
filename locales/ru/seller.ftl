## Стол маркетплейсов: /connect (проверка в форум-группе продавца, продолжение в личке) и /seller

command-connect = Подключить Ozon или Wildberries к этой группе
command-seller = Маркетплейсы этой группы


seller-button-open-private = 🔐 Продолжить в личке
seller-button-cancel = ✖️ Отмена
seller-button-retry = 🔄 Начать заново
seller-button-pause = ⏸ Приостановить { $marketplace }
seller-button-resume = ▶️ Возобновить { $marketplace }
seller-button-disconnect = 🔌 Отключить { $marketplace }
seller-button-disconnect-yes = 🔌 Да, отключить
seller-button-disconnect-keep = ↩️ Нет, оставить

# /connect в группе: что изменить, чтобы заработало
seller-connect-in-private =
    🔌 /connect работает в группе вашей команды поддержки, а не здесь:
    1. Создайте группу в Telegram и включите в её настройках «Темы» (она станет форумом).
    2. Добавьте меня туда администратором с правом управлять темами.
    3. Отправьте /connect в этой группе. Дальше продолжим здесь, в личке.
seller-connect-not-forum = 🔌 В этой группе нет тем. Каждый чат с покупателем получает свою тему, поэтому включите «Темы» в настройках группы (Изменить → Темы) и отправьте /connect ещё раз.
seller-connect-anonymous = 🔌 Вы пишете от имени группы (анонимно), и я не знаю, кто вы. Отключите «Анонимность» в своих правах администратора или попросите другого админа, затем отправьте /connect ещё раз.
seller-connect-caller-not-admin = 🔌 Подключать маркетплейсы могут только администраторы группы. Попросите админа отправить /connect.
seller-connect-bot-not-admin = 🔌 Мне нужны права администратора: откройте настройки группы → Администраторы → Добавить администратора, выберите меня, оставьте «Управление темами» включённым и отправьте /connect ещё раз.
seller-connect-bot-no-topics = 🔌 Я администратор, но не могу управлять темами. Откройте настройки группы → Администраторы → я, включите «Управление темами» и отправьте /connect ещё раз.
seller-connect-continue-private = 🔐 Я написал вам в личку: API-ключи никогда не вводят в группе. Если сообщения там нет, нажмите кнопку.
seller-connect-open-private = 🔐 API-ключи никогда не вводят в группе: нажмите кнопку, чтобы продолжить в личке со мной.

# /connect в личке
seller-connect-choose = 🔌 Какой маркетплейс подключить к <b>{ $group }</b>?
seller-connect-link-unknown = Эта ссылка больше не действует. Отправьте /connect в группе ещё раз.
seller-connect-not-admin-any-more = 🔒 Вы больше не администратор <b>{ $group }</b>, поэтому не можете подключать к ней маркетплейсы. Попросите админа группы отправить /connect.
seller-connect-ask-client-id =
    <b>Ozon</b> для <b>{ $group }</b>, шаг 1 из 2.
    Отправьте <b>Client-Id</b>: в кабинете продавца Ozon откройте Настройки → Seller API. Это число.
seller-connect-ask-api-key =
    Шаг 2 из 2: отправьте <b>API-ключ</b> (Настройки → Seller API → Сгенерировать ключ, с доступом к чатам).
    Я удалю ваше сообщение, как только прочитаю его, и храню ключ зашифрованным.
seller-connect-ask-token =
    <b>Wildberries</b> для <b>{ $group }</b>.
    Отправьте API-<b>токен</b>: в кабинете продавца Wildberries откройте Настройки → Доступ к API → Создать токен, с категорией «Чат с покупателями».
    Я удалю ваше сообщение, как только прочитаю его, и храню токен зашифрованным.
seller-connect-malformed-client-id = Это не Client-Id: это число до 20 цифр (Настройки → Seller API). Отправьте его ещё раз.
seller-connect-malformed-api-key = Это не похоже на API-ключ: ключ — одна строка без пробелов. Скопируйте его ещё раз в Настройки → Seller API и отправьте.
seller-connect-malformed-token = Это не похоже на токен: токен — одна строка без пробелов. Скопируйте его ещё раз в Настройки → Доступ к API и отправьте.
seller-connect-checking = ⏳ Проверяю в { $marketplace }…
seller-connect-refused = ❌ { $marketplace } не подключён: ничего не сохранено.
seller-connect-try-later = { $marketplace } сейчас не отвечает, поэтому я не смог проверить ключ. Попробуйте через несколько минут.
seller-connect-send-again = { $marketplace ->
    [ozon] Отправьте API-ключ ещё раз или нажмите «Начать заново», чтобы сменить и Client-Id.
   *[wb] Отправьте токен ещё раз или нажмите «Отмена».
}
seller-connect-done = ✅ { $marketplace } подключён к <b>{ $group }</b>. Чаты с покупателями появятся там темами. Отправьте /seller в группе, чтобы приостановить или отключить его.
seller-connect-done-resumed = ✅ { $marketplace } снова подключён к <b>{ $group }</b> с новым ключом: синхронизация возобновляется. Отправьте /seller в группе, чтобы посмотреть.
seller-connect-cancelled = ✖️ Отменено: ничего не сохранено.

# Сообщения в группе продавца
seller-connect-group-connected = ✅ { $marketplace } подключён (подключил(а) { $name }). Чаты с покупателями будут появляться здесь темами.
seller-connect-group-resumed = ✅ { $marketplace } снова подключён (подключил(а) { $name }): синхронизация возобновляется.

# /seller
seller-status-in-private = 🏪 /seller работает в группе вашей команды поддержки: отправьте его там, чтобы увидеть её маркетплейсы.
seller-status-none = 🏪 К этой группе ещё не подключён ни один маркетплейс. Администратор может отправить /connect, чтобы подключить Ozon или Wildberries.
seller-status-title = 🏪 <b>{ $group }</b>: маркетплейсы
seller-status-rights-lost = ⚠️ Синхронизация приостановлена: я не могу управлять темами этой группы. Снова сделайте меня администратором с правом «Управление темами».
seller-status-nothing-connected = Ничего не подключено. Администратор может отправить /connect.
seller-status-account = <b>{ $marketplace }</b>: { $state }
seller-status-syncing = 🟢 синхронизируется
seller-status-paused = ⏸ приостановлен
seller-status-refused = ⛔ остановлен, пока ключ не заменят через /connect
seller-status-last-sync = Последняя синхронизация: { $time }
seller-status-never-synced = Последняя синхронизация: ещё не было
seller-status-last-error = Последняя ошибка ({ $time }): { $error }
seller-status-timezone = Время указано по поясу { $timezone }.
seller-disconnect-confirm = Отключить <b>{ $marketplace }</b> от <b>{ $group }</b>? Ключ будет забыт, чаты с покупателями перестанут приходить сюда; темы останутся. Подключить снова можно через /connect.
seller-note-paused = ⏸ { $marketplace } приостановил(а) { $name }.
seller-note-resumed = ▶️ { $marketplace } возобновил(а) { $name }.
seller-note-disconnected = 🔌 { $marketplace } отключил(а) { $name }.
seller-admins-only = Менять это могут только администраторы группы.
seller-account-gone = Этот аккаунт уже не подключён. Отправьте /seller, чтобы увидеть актуальное состояние.

# /seller: как предлагаются ответы в темах покупателей
seller-status-replies = 💡 Варианты ответа: { $suggest ->
    [on] сами, когда покупатель пишет
   *[off] по запросу (💡 под сообщениями покупателей)
}. Тон черновиков ИИ: { $tone }.
seller-tone-friendly = дружелюбный
seller-tone-formal = официальный
seller-tone-brief = краткий
seller-button-auto-suggest = 💡 Предлагать ответ сам: { $suggest ->
    [on] вкл
   *[off] выкл
}
seller-button-tone = 🗣 Тон ИИ: { $tone }
seller-note-auto-suggest = 💡 { $suggest ->
    [on] Варианты ответа теперь предлагаются сами
   *[off] Варианты ответа теперь только по запросу
} ({ $name }).
seller-note-tone = 🗣 Тон ответов: { $tone } ({ $name }).
