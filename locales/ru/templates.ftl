## Стол маркетплейсов: /templates, сохранённые ответы продавца по поводам обращений (в группе продавца)

command-templates = Шаблоны ответов покупателям

templates-in-private = 💬 /templates работает в группе вашей поддержки: отправьте команду там, чтобы увидеть шаблоны ответов.
templates-none = 💬 Эта группа ещё не подключена к маркетплейсу. Администратор может отправить /connect, чтобы подключить Ozon или Wildberries.
templates-title = 💬 <b>{ $group }</b>: шаблоны ответов
templates-intro = Эти ответы я предлагаю в чатах с покупателями — по поводу обращения. Выберите раздел, чтобы увидеть его шаблоны. Администраторы могут добавлять, менять и удалять их.
templates-help =
    Подстановки: <code>{"{name}"}</code> — имя покупателя, если маркетплейс его показывает; <code>{"{order}"}</code> — номер заказа, о котором чат, если он есть. <code>{"{marketplace}"}</code> — маркетплейс, на котором идёт чат: Ozon или Wildberries.
    Необязательный текст вместе с подстановкой берите в квадратные скобки: <code>Здравствуйте[, {"{name}"}]!</code> даст «Здравствуйте, Анна!» или «Здравствуйте!», если имя неизвестно.

templates-intent-where-is-order = 📦 Где мой заказ
templates-intent-return = ↩️ Возврат и обмен
templates-intent-wrong-size = 📏 Не подошёл размер
templates-intent-defect = 🛠 Брак или повреждение
templates-intent-thanks = 🙏 Благодарность
templates-intent-other = 💬 Другое
templates-intent-button = { $intent } · { $count }

templates-intent-title = <b>{ $intent }</b>: { $count ->
    [0] шаблонов нет
    [one] { $count } шаблон
    [few] { $count } шаблона
   *[many] { $count } шаблонов
}
templates-intent-empty = Шаблонов нет: для этого раздела я не буду предлагать сохранённый ответ. Администратор может добавить шаблон.
templates-item = <b>{ $number }.</b> { $text }

templates-button-edit = ✏️ Изменить { $number }
templates-button-delete = 🗑 Удалить { $number }
templates-button-add = ➕ Добавить
templates-button-back = ⬅️ Назад
templates-button-delete-yes = 🗑 Да, удалить
templates-button-delete-keep = ↩️ Нет, оставить

templates-delete-confirm = Удалить шаблон { $number } из раздела <b>{ $intent }</b>?

    { $text }
templates-ask-add = ✏️ { $mention }, пришлите новый шаблон для раздела <b>{ $intent }</b> ответом на это сообщение (до { $limit } символов) или отправьте /cancel.
templates-ask-edit = ✏️ { $mention }, пришлите новый текст шаблона { $number } из раздела <b>{ $intent }</b> ответом на это сообщение (до { $limit } символов) или отправьте /cancel. Сейчас он такой:
    <code>{ $text }</code>
templates-empty-text = ✏️ Шаблон не может быть пустым. Пришлите его текст ответом на моё сообщение или отправьте /cancel.
templates-too-long = ✏️ Здесь { $length } символов, а в шаблоне может быть не больше { $limit }. Сократите текст и пришлите его ещё раз ответом на моё сообщение или отправьте /cancel.
templates-reply-to-prompt = ✏️ Вы сейчас пишете шаблон ответа, поэтому это сообщение никуда не отправлено. Пришлите текст шаблона ответом на моё сообщение или отправьте /cancel.
templates-full = В этом разделе уже { $limit } шаблонов. Удалите один, прежде чем добавлять новый.
templates-not-admin-any-more = Вы больше не администратор этой группы, поэтому шаблон не сохранён.
templates-gone = Этого шаблона уже нет. Отправьте /templates, чтобы увидеть актуальный список.
templates-note-added = ✅ Шаблон добавлен ({ $name }).
templates-note-edited = ✅ Шаблон { $number } изменён ({ $name }).
templates-note-deleted = 🗑 Шаблон удалён ({ $name }).
templates-not-in-a-buyer-topic = Эта тема — чат с покупателем: всё, что здесь пишут, уходит покупателю. Откройте /templates в «General» или в теме вашей команды.
