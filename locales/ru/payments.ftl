## Платежи: покупка, чеки, баланс, возвраты и цены в админ-группе

command-buy = Купить собеседования
command-balance = Мой баланс
command-paysupport = Поддержка по оплате и возвраты
command-price = Цены: /price <товар> <валюта> <сумма>

buy-title = 💳 <b>Купить собеседования</b>
buy-nothing-on-sale = Сейчас ничего не продаётся. Загляните позже.
buy-product-line =
    <b>{ $title }</b> — { $prices }
    { $description }
buy-choose-method =
    <b>{ $title }</b>
    { $description }

    Как удобнее оплатить?
buy-method-stars = ⭐ Telegram Stars · { $price }
buy-method-telegram-card = 💳 Картой в Telegram · { $price }
buy-method-yookassa-link = 🏦 ЮKassa (карта, СБП) · { $price }
buy-pay-button = Оплатить { $price }
buy-subscription-link = ⭐ <b>{ $title }</b>: нажмите кнопку, чтобы оформить подписку за Telegram Stars. Она продлевается каждые 30 дней; отменить можно в настройках Telegram.
buy-yookassa-link = 🏦 <b>{ $title }</b>: нажмите кнопку, чтобы оплатить на странице ЮKassa. Я напишу сюда, как только платёж поступит.
buy-provider-unavailable = ⚠️ Платёжный сервис сейчас не отвечает. Деньги не списаны. Попробуйте через минуту или оплатите Telegram Stars.

checkout-refused-unknown-order = Этот счёт больше не действует. Откройте /buy и начните заново.
checkout-refused-not-yours = Этот счёт выставлен другому пользователю. Откройте /buy, чтобы получить свой.
checkout-refused-price-changed = Цена изменилась после выставления счёта. Откройте /buy, чтобы получить счёт по текущей цене.
checkout-refused-already-paid = Этот счёт уже оплачен. Проверьте /balance.
checkout-refused-canceled = Этот заказ отменён. Откройте /buy и начните заново.
checkout-refused-product-gone = Этот товар больше не продаётся. Откройте /buy, чтобы посмотреть доступные.

paid-receipt =
    ✅ <b>Оплата получена</b>: { $title } за { $price }.
    Кредитов на собеседования: <b>{ $credits }</b> · Чек №{ ID($payment) }
    Начните собеседование командой /interview; баланс — /balance.
paid-subscription-until = 🔓 Безлимитные собеседования до { $until }.
paid-canceled = ❌ Платёж отменён, деньги не списаны. Попробовать снова можно через /buy.
paid-unmatched = ⚠️ Я получил платёж, но не смог сопоставить его с заказом. Не волнуйтесь: команда уже знает и разберётся. Можно также написать в /paysupport.
paid-unmatched-admin = ⚠️ Платёж от пользователя { ID($user) } (charge { $charge }) не соответствует ни одному заказу. Проверьте.
paid-admin-note = 💰 { $payer } ({ ID($user) }) оплатил { $price } за «{ $title }» · платёж №{ ID($payment) }

balance-title =
    👛 <b>Ваш баланс</b>
    Бесплатных собеседований: { $free } · Кредитов: { $credits }
balance-subscription = 🔓 Безлимитные собеседования до { $until }
balance-payments-header = <b>Последние платежи</b>
balance-payment-line = { $date } · { $title } · { $price }{ $refunded ->
        [yes] {" "}(возвращён)
       *[no] {""}
    }
balance-no-payments = Платежей пока нет. Смотрите /buy.

paysupport-terms =
    🧾 <b>Оплата и возвраты</b>
    Пакеты собеседований и подписка — цифровые товары, они доступны сразу. Вернуть деньги можно в течение { $days } дней после оплаты, если купленные собеседования не использованы. Деньги возвращаются тем же способом (Stars — на баланс Telegram, карта — на карту).
paysupport-nothing-to-refund = Сейчас нет платежей, которые можно вернуть. С любым другим вопросом напишите сюда — мы ответим.
paysupport-pick = Какой платёж вернуть?
paysupport-payment-button = { $date } · { $title } · { $price }
paysupport-ask-reason = ✍️ Напишите одним сообщением, почему вы хотите вернуть деньги.
paysupport-requested = 📨 Заявка на возврат №{ ID($request) } отправлена. Мы скоро ответим здесь.

refund-refused-not-found = Этот платёж не найден.
refund-refused-not-yours = Этот платёж принадлежит другому пользователю.
refund-refused-too-old = Этот платёж старше срока возврата.
refund-refused-already-requested = Возврат по этому платежу уже запрошен.
refund-refused-already-refunded = Этот платёж уже возвращён.
refund-refused-already-decided = По этой заявке уже принято решение.
refund-refused-credits-used = Собеседования из этой покупки уже использованы, поэтому по условиям возврат невозможен.
refund-provider-failed = Платёжный сервис не принял возврат; ничего не изменилось. Попробуйте позже.
refund-user-approved-stars = ✅ Возврат одобрен: { $price } вернулись на ваш баланс Telegram Stars.
refund-user-approved-yookassa = ✅ Возврат одобрен: { $price } вернутся на карту (обычно за несколько дней).
refund-user-approved-manual = ✅ Возврат одобрен: { $price } наша команда вернёт на карту в течение нескольких дней.
refund-user-rejected = ❌ В возврате отказано. Причина: { $reason }

refund-admin-request =
    🧾 <b>Заявка на возврат №{ ID($request) }</b>
    От { $name } ({ ID($user) }), платёж №{ ID($payment) }
    Причина: { $reason }
refund-admin-approve = ✅ Одобрить
refund-admin-reject = ❌ Отклонить
refund-admin-ask-reason = { $admin }, ответьте причиной отказа по заявке №{ ID($request) } (её прочитает пользователь).
refund-admin-rejected = Заявка №{ ID($request) } отклонена; пользователю сообщили причину.
refund-admin-approved-stars = ✅ Одобрено: { $price } возвращены в Stars.
refund-admin-approved-yookassa = ✅ Одобрено: { $price } возвращены через ЮKassa.
refund-admin-approved-manual = ✅ Одобрено. Платёж картой прошёл через провайдера Telegram: верните { $price } в личном кабинете ЮKassa (charge { $charge }). Кредиты списаны.

price-list-title = 💲 <b>Цены</b>
price-list-line = { $product } · { $currency }: { $price }
price-history-title = <b>Последние изменения</b>
price-history-line = { $date } · { $product } { $currency }: { $old } → { $new } (кто: { $admin })
price-usage = Установить цену: <code>/price ТОВАР ВАЛЮТА СУММА</code>, например <code>/price pack_5 RUB 590</code> или <code>/price pack_5 XTR 250</code>.
price-confirm = Установить цену { $product }: { $price }?
price-confirm-yes = ✅ Да, установить
price-confirm-no = ✖️ Отмена
price-set = ✅ { $product } теперь стоит { $price }. Новые счета выставляются по ней; старые неоплаченные будут отклонены при оплате.
price-cancelled = Изменение цены отменено.
price-rejected-unknown-product = ⚠️ Такого товара нет. Список: /price.
price-rejected-wrong-currency = ⚠️ Валюта должна быть XTR (Telegram Stars) или RUB.
price-rejected-not-positive = ⚠️ Цена должна быть больше нуля.
price-rejected-too-small = ⚠️ Цена ниже минимальной (1 ⭐ или 1,00 ₽).
price-rejected-too-large = ⚠️ Слишком большая цена.
price-rejected-not-a-number = ⚠️ Сумма должна быть числом, например 590 или 590.00 (RUB) либо 250 (XTR, целые звёзды).
