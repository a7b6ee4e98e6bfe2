## Оценка ответа: критерии, части STAR, сильные и слабые стороны, уточняющие вопросы.
## Ключи выдаёт services/interview/evaluation/offline.py; названия критериев и частей STAR — подписи.

eval-criterion-relevance = Соответствие вопросу
eval-criterion-examples = Конкретные примеры
eval-criterion-clarity = Ясность и структура
eval-criterion-accuracy = Техническая точность
eval-criterion-job-alignment = Соответствие вакансии

eval-star-situation = Ситуация
eval-star-task = Задача
eval-star-action = Действия
eval-star-result = Результат

eval-simplified-notice = ⚠️ ИИ-проверка сейчас недоступна, поэтому это упрощённая автоматическая оценка.

## Сильные стороны

eval-strength-coverage =
    Вы раскрыли { $count } из { $total } { $total ->
        [one] ключевого пункта
       *[other] ключевых пунктов
    }.
eval-strength-examples = Вы подкрепили ответ конкретными примерами.
eval-strength-numbers = Вы привели цифры — это делает ответ убедительным.
eval-strength-technologies = Вы назвали конкретные технологии и инструменты.
eval-strength-structure = Ответ хорошо структурирован, за мыслью легко следить.
eval-strength-star = В вашей истории есть ситуация, задача, действия и результат.

## Слабые стороны

eval-weakness-missing-points =
    { $count ->
        [one] Не раскрыт { $count } ключевой пункт.
        [few] Не раскрыты { $count } ключевых пункта.
       *[other] Не раскрыто { $count } ключевых пунктов.
    }
eval-weakness-no-examples = Нет конкретных примеров: добавьте случай из своего опыта.
eval-weakness-too-short = Ответ слишком короткий, чтобы показать понимание темы.
eval-weakness-keywords-only = Это перечень ключевых слов: объясните, как всё устроено и почему.
eval-weakness-off-topic = Ответ не относится к вопросу.
eval-weakness-no-structure = За ответом трудно следить: разбейте его на шаги и свяжите мысли.
eval-weakness-rambling = Ответ длинный и с повторами: держитесь главного.
eval-weakness-star-missing = В истории не хватает частей: { $parts }.
eval-weakness-result-not-quantified = Выразите результат в цифрах: сэкономленное время, проценты, деньги, пользователи.

## Уточняющие вопросы

# $point — ключевой пункт простыми словами; $form: "topic" — именная группа или утверждение
# («каждый индекс замедляет запись»), "action" — начинается с глагола («добавляет подходящий индекс»).
eval-followup-missing-point =
    { $form ->
        [action] Сильный кандидат здесь также { $point }. Как бы вы к этому подошли?
       *[topic] Вы не раскрыли: { $point }. Можете объяснить этот момент?
    }
# Один упущенный ключевой пункт в списке; $point — как выше, с заглавной буквы для "topic".
eval-missed-point =
    { $form ->
        [action] Сильный кандидат здесь также { $point }.
       *[topic] { $point }
    }
eval-followup-star =
    { $part ->
        [situation] Опишите ситуацию: где вы работали и что происходило?
        [task] За что именно вы отвечали и что было на кону?
        [action] Что лично вы сделали, шаг за шагом?
       *[result] Чем всё закончилось? Что изменилось — лучше в цифрах?
    }
eval-followup-example = Можете привести конкретный пример из своего проекта?
eval-followup-elaborate = Можете копнуть глубже: как это работает и какие есть компромиссы?
