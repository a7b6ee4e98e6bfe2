## Итоговый отчёт по собеседованию (services/interview/report.py): сводка в Telegram, график,
## PDF, рекомендации; прогресс со временем (services/interview/progress.py); ссылки на отчёт.
## Сообщения с <b>/<i> отправляются в режиме HTML; подставляемые значения экранирует код.

# Оценка от 0 до 10 с одним знаком после запятой.
report-score = { NUMBER($score, minimumFractionDigits: 1, maximumFractionDigits: 1) }

## Итоговая оценка

report-grade-strong-hire = Сильный кандидат
report-grade-hire = Готов к найму
report-grade-lean-hire = На грани
report-grade-no-hire = Пока не готов

## Сводка в Telegram

report-title = 📊 <b>Итоги собеседования</b>
report-shared-title = 📊 <b>Итоги пробного собеседования</b> — кандидат поделился отчётом
report-overall = Общая оценка: <b>{ $score }/10</b> — { $grade }
# Отвеченными считаются только отвеченные вопросы; пропущенные считаются отдельно.
report-answered =
    { $skipped ->
        [0] Вопросы: отвечено { $answered }.
       *[other] Вопросы: отвечено { $answered }, пропущено { $skipped }.
    }
# Вместо общей оценки, когда пропущены все вопросы (обычный текст: печатается и в PDF).
report-all-skipped = ⏭ { $total ->
        [1] Вы пропустили вопрос
        [2] Вы пропустили оба вопроса
       *[other] Вы пропустили все вопросы
    }, поэтому оценки в этот раз нет, и собеседование не засчитано.
report-skills-header = <b>Навыки</b>
report-skill-line = { $mark } { $skill }: <b>{ $score }</b>
report-skill-skipped-line = ⏭ { $skill }: без оценки (вопрос пропущен)
report-questions-header = <b>Вопросы</b>
report-question-line = { $number }. { $mark } <b>{ $score }</b> — { $title }
report-question-skipped-line = { $number }. ⏭ пропущен — { $title }
report-no-questions = В этом собеседовании не было вопросов.
report-practice-skipped =
    ⏭ <b>Вопрос тренировки пропущен</b>: в этот раз без оценки.

    💡 <b>Образцовый ответ</b>
    { $ideal }
report-recommendations-header = <b>Над чем поработать</b>
report-recommendation-line = { $number }. { $text }

## Рекомендации (обычный текст: печатаются и в PDF)

report-rec-skill = Подтяните тему «{ $skill }»: средняя оценка здесь { $score }/10. Быстрее всего поможет собеседование по этой теме.
report-rec-skipped =
    Вы пропустили { $count } { $count ->
        [one] вопрос
        [few] вопроса
       *[other] вопросов
    }. Даже неполный ответ приносит баллы: расскажите, что знаете, и как бы выяснили остальное.
report-rec-criterion-relevance = Отвечайте ровно на заданный вопрос: начните с прямого ответа в одно предложение, затем раскройте его.
report-rec-criterion-examples = Подкрепляйте каждый ответ случаем из опыта: какая была ситуация, что сделали вы и что изменилось.
report-rec-criterion-clarity = Стройте ответ по плану: сначала коротко суть, затем как это работает, потом компромиссы.
report-rec-criterion-accuracy = Повторите основы по этим вопросам и сравните свои ответы с эталонными в PDF.
report-rec-criterion-job-alignment = Связывайте ответы с вакансией: упоминайте её стек, масштаб и обязанности.
report-rec-missing-point =
    { $form ->
        [action] Разберите то, что вы упустили: сильный ответ также { $point }.
       *[topic] Разберите то, что вы упустили, например: { $point }.
    }
report-rec-too-short = Отвечайте подробнее: минуту-две на вопрос, объясняя не только «что», но и «как» и «почему».
report-rec-keywords-only = Не перечисляйте ключевые слова: объясните, как всё это работает вместе и почему вы бы это выбрали.
report-rec-off-topic = Некоторые ответы ушли от вопроса: прежде чем отвечать, повторите вопрос про себя.
report-rec-rambling = Отвечайте сжато: два-три главных тезиса — и достаточно.
report-rec-star = Рассказывайте истории по схеме STAR: ситуация, ваша задача, ваши действия и результат.
report-rec-quantify = Измеряйте результат в цифрах: сэкономленное время, проценты, деньги, число пользователей.
report-rec-level-up = Отличный результат! Попробуйте следующий уровень или тему посложнее.
report-rec-polish = Хороший результат. Чтобы получить высшую оценку, добавляйте в каждый ответ цифры, компромиссы и реальный пример.

## График

report-chart-title = Оценки по навыкам
report-chart-axis = Оценка, 0–10
report-chart-overall = Общая оценка

## PDF (обычный текст)

report-pdf-title = Отчёт о пробном собеседовании
report-pdf-overall = Общая оценка: { $score }/10 — { $grade }
report-pdf-recommendations = Над чем поработать
report-pdf-question = Вопрос { $number } из { $total }
report-pdf-score = { $score }/10
report-pdf-skipped = пропущен
report-pdf-skipped-note = Вы пропустили этот вопрос. Прочитайте эталонный ответ ниже и попробуйте ответить на следующем собеседовании.
report-pdf-skills = Навыки: { $skills }
report-pdf-answer = Ваш ответ
report-pdf-answer-voice = Ваш ответ (голосовое сообщение, расшифровка)
report-pdf-criteria = Критерии
report-pdf-star = Структура STAR
report-pdf-strengths = Сильные стороны
report-pdf-weaknesses = Что улучшить
report-pdf-missing = Упущенные ключевые пункты
report-pdf-evidence = Цитаты из вашего ответа
report-pdf-follow-up = Уточняющий вопрос
report-pdf-follow-up-answer = Ваш ответ на уточняющий вопрос
report-pdf-ideal = Эталонный ответ
report-pdf-simplified = ИИ-проверка была недоступна, поэтому этот ответ оценён упрощённо, автоматически.
report-pdf-page = EasyFlow · страница { $page }

## Прогресс

progress-title = 📈 <b>Ваш прогресс</b>
progress-empty =
    У вас пока нет завершённых собеседований.
    Пройдите первое пробное собеседование — здесь появятся ваши оценки и прогресс.
progress-count = Завершено собеседований: <b>{ $count }</b>
progress-single = Ваша оценка: <b>{ $score }/10</b>. Пройдите ещё одно собеседование, чтобы увидеть динамику.
progress-trend-up = Динамика: { $first } → <b>{ $last }</b> (+{ $delta }) 📈
progress-trend-down = Динамика: { $first } → <b>{ $last }</b> (−{ $delta }) 📉
progress-trend-flat = Динамика: { $first } → <b>{ $last }</b>, без изменений
progress-average = Средняя оценка: <b>{ $average }/10</b>, лучшая: <b>{ $best }/10</b>
progress-skills-header = <b>Средние оценки по навыкам</b>
progress-skill-line = { $mark } { $skill }: <b>{ $score }</b>
progress-weakest = Слабее всего: <b>{ $skill }</b>
progress-next-header = <b>Что пройти дальше</b>
progress-next-topic = { $track } · { $level } · тема: { $topic }
progress-next-track = { $track } · { $level }
progress-next-focus = 🎯 Тренирует самый слабый навык: { $skill }
# Кнопка под /progress, открывающая предложенное собеседование (остаётся выбрать только длину).
progress-next-button-skill = ▶️ Потренировать: { $skill }
progress-next-button = ▶️ Начать предложенное собеседование
progress-next-level-up = 🚀 Три сильных результата подряд на этом уровне — пора переходить на следующий!
progress-chart-title = Общая оценка по собеседованиям
progress-chart-axis = Оценка, 0–10
progress-chart-date =
    { $day } { $month ->
        [1] янв
        [2] фев
        [3] мар
        [4] апр
        [5] мая
        [6] июн
        [7] июл
        [8] авг
        [9] сен
        [10] окт
        [11] ноя
       *[12] дек
    }
progress-level-any = Любой уровень

## Что видно по ссылке на отчёт (services/interview/shares.py)

report-shared-footer = Тоже хотите потренироваться? Начните пробное собеседование: /start

## Подача в голосовых ответах

report-delivery-header = 🎙 <b>Подача</b> (голосовых ответов: { $answers })
report-delivery-overall = Темп { $wpm } слов/мин ({ $pace }) · слова-паразиты { $fillers }/мин ({ $top }) · долгих пауз: { $pauses }
report-delivery-line = { $follow_up ->
        [yes] В{ $number }, уточнение
       *[no] В{ $number }
    }: { $wpm } слов/мин · { $fillers } паразитов/мин · долгих пауз: { $pauses }
report-delivery-tip = 💡 { $tip }
report-pdf-delivery-header = Подача
report-pdf-delivery = Подача: { $wpm } слов/мин ({ $pace }), { $fillers } слов-паразитов/мин ({ $top }), долгих пауз: { $pauses }

progress-delivery-header = 🎙 <b>Подача со временем</b> (собеседования с голосовыми ответами)
progress-delivery-line = { $date }: { $wpm } слов/мин · { $fillers } паразитов/мин · долгих пауз: { $pauses }
