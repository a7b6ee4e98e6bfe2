## Модуль собеседований: меню, вопросы, обратная связь, завершение.

command-interview = Пробное собеседование
command-progress = Мой прогресс
command-bookmarks = Сохранённые вопросы

interview-home =
    🎤 <b>Пробные собеседования</b>
    Отвечайте на настоящие вопросы с собеседований и получайте оценку каждого ответа, отчёт и образцовый ответ.

    Бесплатных собеседований: <b>{ $free_left }</b> · Кредитов: <b>{ $credits }</b>
interview-menu-track = 🎯 Выбрать направление
interview-menu-tailored = 📄 Под вакансию: резюме + описание
interview-menu-practice = 🏋️ Потренировать слабый навык
interview-menu-bookmarks = 🔖 Сохранённые
interview-menu-progress = 📈 Прогресс

interview-choose-specialization = 🎯 На какую роль собеседование?
interview-choose-level = 🎯 { $specialization }: какой уровень?
interview-choose-topic = 🎯 { $specialization }, { $level }: какая тема?
interview-topic-random = 🎲 Случайный микс
interview-choose-length = ⏱ Сколько вопросов?
interview-length-option = { $count ->
    [one] { $count } вопрос
    [few] { $count } вопроса
   *[other] { $count } вопросов
}
interview-level-junior = Начальный (Junior)
interview-level-middle = Средний (Middle)
interview-level-senior = Старший (Senior)

interview-no-interviews-left =
    Бесплатные собеседования (всего { $free }) закончились, и кредитов не осталось.
    Купите ещё собеседования или тренируйтесь на отдельных вопросах бесплатно.
interview-no-questions = 😕 Для этого выбора пока нет вопросов. Попробуйте другую тему или уровень.
interview-starting = 🚀 Начинаем: вопросов — { $count }. Отвечайте на каждый текстом или голосовым сообщением, не торопитесь.

interview-question =
    <b>Вопрос { $number }/{ $total }</b> · <i>{ $skills }</i>

    { $text }
interview-follow-up =
    <b>Уточнение к вопросу { $number }/{ $total }</b>

    { $text }

interview-button-skip = ⏭ Пропустить
interview-button-skip-follow-up = ⏭ Пропустить уточнение
interview-button-bookmark = 🔖 Сохранить
interview-button-end = ⏹ Завершить
interview-button-end-yes = ✅ Да, завершить
interview-button-end-no = ↩️ Нет, продолжить
interview-button-continue = ▶️ Продолжить собеседование
interview-button-abandon = 🗑 Бросить его
interview-button-share = 🔗 Поделиться итогами
interview-button-revoke = 🚫 Закрыть доступ
interview-button-new = 🎤 Новое собеседование
interview-button-practice-bookmark = ▶️ Тренировать №{ $number }
interview-button-remove-bookmark = 🗑 №{ $number }
interview-button-skip-resume = ⏭ Без резюме, только вакансия

interview-feedback-title = <b>Вопрос { $number }/{ $total }: { $score }/10</b>
interview-feedback-follow-up-title = <b>Уточнение к вопросу { $number }/{ $total }: { $score }/10</b>
interview-feedback-strengths = 👍 Сильные стороны
interview-feedback-improve = 🛠 Что улучшить
interview-feedback-missed = 🧩 Что осталось за рамками ответа
interview-feedback-evidence = 🔎 Из вашего ответа
interview-feedback-truncated = Остальной разбор — в итоговом отчёте.
interview-ideal-answer = 💡 Образцовый ответ

interview-empty-answer = Ответ пустой. Напишите его текстовым сообщением.
interview-answer-with-text = Я принимаю ответы текстом или голосом (подойдут и аудиофайлы, и видеосообщения). Напишите ответ или запишите его.
interview-late-message = ✍️ Это сообщение отправлено до того, как появился следующий вопрос, поэтому я добавил его к ответу на вопрос { $number }. Этот ответ уже оценён.
interview-early-message = ⏳ Это сообщение пришло, пока я готовил вопросы, поэтому оно не учтено. Ответьте, пожалуйста, на вопрос выше.
interview-already-finished = Это собеседование завершено и больше не принимает ответы. Начните новое: /interview.
interview-button-outdated = Эта кнопка относится к вопросу, который уже пройден.
interview-skipped = Пропущено
interview-cannot-bookmark = Этот вопрос нельзя сохранить.
interview-bookmarked = 🔖 Сохранено. Найдёте в /bookmarks.
interview-unbookmarked = Убрано из сохранённых.
interview-confirm-end = Завершить собеседование сейчас? Вопросы, на которые вы ответили, попадут в отчёт.
interview-ended = ⏹ Собеседование завершено.
interview-cancel-confirm =
    Вы ответили на { $answered } из { $total } { $total ->
        [one] вопроса
       *[other] вопросов
    }, поэтому собеседование засчитывается, даже если завершить его сейчас: оно не возвращается. Завершить и получить отчёт по данным ответам?
interview-cancel-confirm-practice = Завершить тренировку сейчас? Данные ответы попадут в итог.
interview-cancelled-not-counted = ✖️ Собеседование отменено. Вы не ответили ни на один вопрос, поэтому оно не засчитывается.
interview-practice-cancelled = ✖️ Тренировка остановлена. Другой вопрос можно выбрать в любой момент: /interview.
interview-charge-back-free = 🎁 Бесплатное собеседование вернулось к вам.
interview-charge-back-credit = 💳 Кредит на собеседование вернулся: на балансе { $credits }.
interview-continue-answering = ↩️ Продолжаем — ответьте на вопрос выше.
interview-resume-offer =
    👋 С возвращением, { $name }!
    У вас есть незаконченное собеседование: вопрос { $number } из { $total }. Продолжить с того же места?
interview-abandoned = 🗑 Собеседование брошено. Новое можно начать в любой момент: /interview.
interview-resuming = ▶️ Продолжаем.

interview-report-progress =
    📊 Готовлю отчёт… { $step ->
        [1] оцениваю ответы
        [2] рисую график
       *[other] собираю PDF
    } ({ $step }/{ $steps })
interview-ended-no-answers = Собеседование завершилось без единого ответа, поэтому отчёта нет и оно не засчитывается. Попробуйте снова, когда будете готовы.
interview-report-chart-caption = 📊 Ваши оценки по навыкам
interview-report-pdf-caption = 📄 Полный отчёт: каждый вопрос, ваш ответ, разбор и образцовый ответ.
interview-practice-done =
    🏋️ <b>Тренировка завершена: { $score }/10</b>

    💡 <b>Образцовый ответ</b>
    { $ideal }
interview-share-created =
    🔗 По этой ссылке видны ваши оценки, но не ответы:
    { $link }
interview-share-revoked = 🚫 Ссылка больше не работает.
interview-share-invalid = Ссылка недействительна, или владелец закрыл к ней доступ.

interview-practice-weakest = 🏋️ Один вопрос на самый слабый навык: <b>{ $skill }</b>.
interview-practice-first = 🏋️ Вопрос для разминки. После нескольких ответов я буду целиться в ваш самый слабый навык.
interview-practice-bookmark = 🏋️ Тренируем сохранённый вопрос.
interview-bookmarks-title = 🔖 <b>Сохранённые вопросы</b>
interview-bookmarks-empty = 🔖 Сохранённых вопросов пока нет. Нажмите «Сохранить» под вопросом во время собеседования.
interview-progress-chart-caption = 📈 Ваши оценки со временем
