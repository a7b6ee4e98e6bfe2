# /sellers в консоли администратора: маркетплейсы каждого продавца, синхронизация, ошибки, чаты и SLA.
sellers-module-off = 🏪 Модуль маркетплейсов выключен (в MODULES нет marketplace), поэтому показывать некого.
sellers-none = 🏪 Пока ни один продавец не подключил группу.
sellers-title = 🏪 <b>Продавцы</b>: { $total }{ $problems ->
        [0] {""}
       *[other] {" "}· ⚠️ с проблемами: { $problems }
    }
    Сначала проблемы, свежие выше. Время: { $timezone }.
sellers-page = Страница { $page } из { $pages }
sellers-seller = 🏪 <b>{ $title }</b> · группа <code>{ ID($group) }</code>
sellers-rights-lost = ⛔ Вся синхронизация остановлена { $when }: я не могу управлять темами группы (нет прав администратора «Управление темами»).
sellers-no-accounts = Маркетплейсы не подключены.
sellers-account = { $marketplace }: { $state } · { $synced }
sellers-state-syncing = 🟢 синхронизируется
sellers-state-failing = 🔴 ошибки
sellers-state-stale = 🟠 нет успешной синхронизации уже { $duration }
sellers-state-no-rights = ⛔ остановлен (права бота)
sellers-state-paused = ⏸ приостановлен продавцом
sellers-state-refused = ⛔ ключ отклонён: остановлен до /connect продавца
sellers-last-sync = последняя синхронизация { $when }
sellers-never-synced = ещё не синхронизировался (подключён { $when })
sellers-error = ↳ ошибка { $when }: { $error } <code>{ $code }</code>
sellers-chats = 💬 Чаты с покупателями: открыто { $open } (ждут ответа { $waiting }) из { $total }
sellers-sla = ⏱ SLA за { $days } дн.: <b>{ $percent }%</b> вовремя ({ $in_time } вовремя, { $late } с опозданием)
sellers-sla-none = ⏱ SLA за { $days } дн.: пока нет ни отвеченных, ни просроченных
sellers-when = { $ago } ({ $time })
sellers-ago = { $duration } назад
sellers-just-now = только что
sellers-previous = ◀️ Назад
sellers-next = Дальше ▶️
sellers-refresh = 🔄 Обновить

# Что значит последняя ошибка синхронизации, по коду, который она записывает.
sellers-error-credentials = маркетплейс не принял API-ключ (неверный или отозван)
sellers-error-premium-required = Ozon даёт чаты через API только с Premium Plus
sellers-error-rate-limited = маркетплейс попросил снизить частоту запросов
sellers-error-unavailable = маркетплейс не ответил (5xx, тайм-аут, нет связи)
sellers-error-answer-window-closed = время на ответ истекло
sellers-error-chat-closed = чат закрыт на маркетплейсе
sellers-error-chat-not-found = маркетплейс не знает этот чат
sellers-error-file-refused = маркетплейс не принял файл
sellers-error-text-refused = маркетплейс не принял текст
sellers-error-no-reply-sign = нет ключа ответа Wildberries для чата
sellers-error-maybe-delivered = связь оборвалась, пока ответ был в пути
sellers-error-rejected = маркетплейс отклонил запрос без известной причины
sellers-error-telegram-topic-gone = тему покупателя удалили в группе
sellers-error-telegram-no-rights = мне нельзя управлять темами группы
sellers-error-telegram-unavailable = Telegram не принимал пересылку
sellers-error-telegram-rejected = Telegram отклонил пересланное сообщение
sellers-error-unexpected = ошибка в самой синхронизации (см. журнал бота)
