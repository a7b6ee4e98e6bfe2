## SLA поддержки маркетплейсов: правила, оповещения, отчёт, открытые чаты

command-sla = Сроки ответа (SLA) и отчёт
command-chats = Открытые чаты покупателей по срокам
command-close = Закрыть этот чат покупателя (без оповещений SLA)


sla-buyer-unnamed = Покупатель
sla-buyer-order = { $buyer }, заказ { ID($order) }

sla-alert-warning = ⚠️ SLA: скоро срок · { $marketplace }
    { $buyer } ждёт { $metric ->
        [first] первого ответа
       *[next] ответа
    } уже { $waited }. Срок — { $due }, осталось { $left }.
sla-alert-breach = 🔴 SLA нарушен · { $marketplace }
    { $buyer } ждёт { $metric ->
        [first] первого ответа
       *[next] ответа
    } уже { $waited }. Срок был { $due }. Ответьте сейчас или закройте чат командой /close, если ответ не нужен.
sla-alert-open = Открыть чат →
sla-topic-name = ⏰ SLA
sla-topic-header = ⏰ Оповещения SLA: предупреждение перед сроком ответа и нарушение, когда срок прошёл, каждое со ссылкой на чат. /sla — сроки и их настройка, /chats — открытые чаты по срокам.

sla-hours-always = круглосуточно
sla-hours-span = { $days }, { $opens }–{ $closes }
sla-weekday-1 = пн
sla-weekday-2 = вт
sla-weekday-3 = ср
sla-weekday-4 = чт
sla-weekday-5 = пт
sla-weekday-6 = сб
sla-weekday-7 = вс

sla-policy-title = ⏰ <b>Правила SLA</b>{ $custom ->
    [true] {""}
   *[false] {" "}(по умолчанию)
}
sla-policy-first = Первый ответ — в течение <b>{ $target }</b>
sla-policy-next = Следующие ответы — в течение <b>{ $target }</b>
sla-policy-warn = Предупреждение: на <b>{ $percent }%</b> срока
sla-policy-hours = Рабочее время: <b>{ $hours }</b> ({ $timezone })
sla-policy-holidays = Праздники: { $holidays }
sla-policy-window = { $marketplace } закрывает ответ через { $window }: ни один срок не выходит за это окно.
sla-policy-usage = Изменить (админы): <code>/sla first 30м</code> · <code>/sla next 2ч</code> · <code>/sla warn 80</code> · <code>/sla hours пн-пт 09:00-18:00</code> (или <code>off</code>) · <code>/sla timezone Europe/Moscow</code> · <code>/sla holiday add 2027-01-07</code> (или <code>remove</code>, <code>clear</code>).
    Отчёт: <code>/sla report today</code>, <code>7</code> или <code>30</code>.
sla-policy-saved = ✅ Сохранил(а) { $name }. Сроки чатов, которые ждут ответа сейчас, пересчитаны.
sla-in-private = Сроки SLA, отчёт и открытые чаты — в группе поддержки магазина: отправьте там /sla или /chats.
sla-unknown = Не знаю настройку «{ $setting }». Отправьте /sla, чтобы увидеть, что можно настроить.
sla-missing-value = Укажите значение после «{ $setting }», например <code>/sla first 30м</code>. Все настройки — /sla.
sla-report-usage = За какой период? <code>/sla report today</code>, <code>/sla report 7</code> или <code>/sla report 30</code>.

sla-error-malformed-duration = «{ $text }» — не длительность. Пишите так: <code>30м</code>, <code>2ч</code>, <code>1ч30м</code> или <code>1д</code>.
sla-error-zero-target = Срок { $target } — это не срок. Дайте хотя бы минуту, например <code>15м</code>.
sla-error-over-window = { $target } — дольше окна ответа { $marketplace } ({ $window }): к этому времени покупателю уже не ответить. Укажите не больше { $window }.
sla-error-over-limit = { $target } — слишком долго: самый длинный срок — { $limit }.
sla-error-malformed-share = «{ $text }» — не доля. Укажите процент, например <code>75</code> или <code>80%</code>.
sla-error-share-out-of-range = Предупреждение должно быть между { $minimum }% и { $maximum }% срока, а не { $text }.
sla-error-malformed-hours = «{ $text }» — не рабочие часы. Пишите так: <code>пн-пт 09:00-18:00</code> или <code>off</code> — круглосуточно.
sla-error-empty-hours = В «{ $text }» день кончается раньше, чем начинается. Смены через полночь не поддерживаются: сначала начало дня, например <code>09:00-18:00</code>.
sla-error-malformed-days = «{ $text }» — не дни недели. Пишите так: <code>пн-пт</code>, <code>пн,ср,пт</code> или <code>ежедневно</code>.
sla-error-unknown-timezone = Не знаю часовой пояс «{ $text }». Укажите название вроде <code>Europe/Moscow</code> или <code>Asia/Yekaterinburg</code>.
sla-error-malformed-date = «{ $text }» — не дата. Пишите <code>/sla holiday add 2027-01-07</code> (или <code>07.01.2027</code>), <code>remove</code> — убрать дату, <code>clear</code> — все.

sla-button-report = 📊 { $days ->
    [0] Сегодня
   *[other] { $days } дней
}
sla-button-chats = 📋 Открытые чаты
sla-report-title = 📊 <b>Отчёт SLA · { $days ->
    [0] сегодня
   *[other] за { $days } дней
}</b>
sla-report-empty = За этот период ни один покупатель не ждал ответа.
sla-report-waits = Ожиданий ответа: { $waits }{ $pending ->
    [0] {""}
   *[other] {" "}(ещё идут: { $pending })
}
sla-report-share = Ответили в срок: <b>{ $percent }%</b> ({ $in_time } из { $answered })
sla-report-first = Первый ответ: медиана { $median }, 90% — за { $p90 }
sla-report-by-marketplace = Нарушения по маркетплейсам: { $breaches }
sla-report-by-member = Нарушения по сотрудникам: { $breaches }
sla-report-nobody = без ответа из группы
sla-report-member-unknown = участник { ID($id) }
sla-chart-title = { $days ->
    [0] Сегодня, по часам
   *[other] За { $days } дней
}
sla-chart-in-time = ответ в срок
sla-chart-late = с опозданием
sla-chart-share = в срок, %

chats-filter-all = Все
chats-filter-unanswered = Без ответа
chats-filter-urgent = Срочные
chats-filter-ozon = Ozon
chats-filter-wb = WB
chats-title = 📋 <b>Открытые чаты · { $filter }</b> ({ $total })
chats-empty = Пусто: подходящих открытых чатов нет.
chats-answered = 💬 отвечено, последнее сообщение { $ago } назад
chats-overdue = 🔴 просрочен на { $late }
chats-due = { $urgent ->
    [true] 🟠
   *[false] 🟢
} срок через { $left } ({ $due })

sla-close-where = Отправьте /close в теме покупателя, чтобы закрыть этот чат.
sla-closed = ✔️ Чат закрыт: оповещений SLA не будет, пока покупатель не напишет снова.
sla-closed-already = Этот чат уже закрыт.
