# Стойка поддержки маркетплейсов в форум-группе продавца: темы, карточки, пересланные сообщения.
desk-buyer = Покупатель
desk-card-title = 🛒 { $marketplace } · чат с покупателем
desk-card-buyer = Покупатель: { $buyer }
desk-card-order = Заказ: #{ ID($order) }
desk-card-product = Товар / SKU: { $product }
desk-card-product-link = Страница товара: { $link }
desk-card-chats-link = Чаты в личном кабинете: { $link }
desk-author-buyer = { $buyer } ({ $marketplace })
desk-author-marketplace = Поддержка { $marketplace }
desk-attachment-pending = 📎 { $count ->
    [one] Вложение пока не загрузилось
    [few] { $count } вложения пока не загрузились
   *[other] { $count } вложений пока не загрузились
} с { $marketplace }. Они придут сюда, как только получится.
desk-attachment-late = 📎 Вложение к этому сообщению, загруженное позже.
desk-credentials-refused = ⚠️ { $marketplace } отклонил наш доступ, поэтому чаты покупателей с { $marketplace } приостановлены.
    { $reason }
    Администратор группы может исправить это командой /connect; синхронизация продолжится с того же места, ничего не потеряется.
desk-rights-lost = ⚠️ Я больше не могу управлять темами в «{ $group }», поэтому чаты покупателей с маркетплейсов там приостановлены.
    Чтобы исправить: откройте настройки группы → Администраторы и назначьте меня администратором с правом «Управление темами». Синхронизация продолжится сама, ничего не потеряется.
desk-rights-restored = ✅ Я снова могу управлять темами: синхронизация чатов покупателей продолжается, со всем, что пришло за это время.
desk-setup =
    🛒 <b>Чаты маркетплейсов</b>
    Отвечайте покупателям Ozon и Wildberries из Telegram-группы: каждый чат с покупателем становится темой, и команда отвечает прямо в ней.

    1. Создайте группу для команды поддержки и включите в её настройках <b>Темы</b>.
    2. Добавьте меня в неё администратором с правом <b>Управление темами</b> (кнопка ниже сразу его запросит).
    3. Напишите /connect в группе. Ключи API маркетплейсов я спрошу здесь, в личном чате, а не в группе.

    /seller в группе покажет, что подключено, и позволит администраторам приостановить или отключить синхронизацию.
desk-button-add-to-group = ➕ Добавить меня в группу
desk-reply-delivered = ✅ Доставлено покупателю на { $marketplace }.
desk-reply-waiting = ⏳ Покупатель ещё не получил ответ. { $reason }
    Следующие ответы в этом чате ждут его, по порядку; 🔁 — попробовать сейчас.
desk-reply-failed = ⚠️ { $marketplace } не принял этот ответ, покупатель его не получил.
    { $reason }
desk-reply-unsendable = 🚫 { $marketplace } не принимает { $kind } в чатах с покупателями, поэтому ничего не отправлено. Отправьте текст, фото или PDF.
desk-kind-sticker = стикеры
desk-kind-voice = голосовые сообщения
desk-kind-video = видео
desk-kind-video-note = видеосообщения
desk-kind-animation = GIF
desk-kind-audio = аудиофайлы
desk-button-retry = 🔁 Повторить
desk-reply-retrying = Отправляю снова…
desk-reply-retry-done = Этот ответ уже доставлен.
desk-reply-attempts = Попыток: { $count }
desk-button-suggest = 💡 Предложить ответ
desk-suggestion-ai = 💡 Предложенный ответ (черновик ИИ). Покупатель ничего не получит, пока вы не выберете:
desk-suggestion-template = 💡 Шаблон «{ $intent }». Покупатель ничего не получит, пока вы не выберете:
desk-suggestion-button-send = 📤 Отправить как есть
desk-suggestion-button-edit = ✏️ Изменить
desk-suggestion-button-another = 🔄 Другой вариант
desk-suggestion-preparing = 💡 Готовлю вариант ответа…
desk-suggestion-none = 💡 Для этого чата у меня нет варианта: добавьте шаблоны ответов командой /templates.
desk-suggestion-gone = Этот вариант больше недоступен.
desk-suggestion-sending = 📤 Отправляю покупателю…
desk-suggestion-sent-by = 📤 { $name } отправил(а) ответ в { $marketplace }: 👌 появится, когда покупатель его получит.
desk-suggestion-edit = ✏️ { $member }, ответьте на это сообщение своим вариантом — он уйдёт покупателю как есть. Предложенный текст, чтобы скопировать:
    <code>{ $text }</code>
desk-suggestion-edit-placeholder = Ваш ответ покупателю
desk-reply-gave-up = ⚠️ { $marketplace } не отвечал целые сутки, поэтому я перестал пробовать, и покупатель этот ответ не получил. 🔁 — попробовать снова.
desk-reply-partly = Покупатель получил { $sent } из { $total } частей; 🔁 отправит остальное.
desk-reply-edited = ✏️ { $marketplace } хранит сообщение таким, каким оно ушло: правка до покупателя не дойдёт. Отправьте исправление новым сообщением.
desk-kind-location = геопозиции
desk-kind-venue = места
desk-kind-contact = контакты
desk-kind-poll = опросы
desk-kind-dice = кубики
desk-kind-game = игры
desk-kind-story = истории
desk-suggestion-busy = 💡 Вариант ответа уже готовится.
desk-suggestion-replaced = Этот вариант заменён другим: пользуйтесь кнопками под самым новым.
desk-suggestion-closed-sent = Этот вариант уже отправлен покупателю.
desk-suggestion-closed-answered = Покупателю уже ответили: этот вариант закрыт.
desk-suggestion-closed-replaced = Ниже есть вариант новее: пользуйтесь его кнопками.
desk-reply-uncertain = ⚠️ Неизвестно, получил ли покупатель этот ответ: { $reason }
desk-reply-command = Команды покупателям не отправляются. Чтобы отправить этот текст, напишите его без «/» в начале.
