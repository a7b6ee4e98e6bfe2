## /bank в группе админов: покрытие банка вопросов, выгрузка, загрузка, отключение вопросов

bank-title = <b>Банк вопросов</b>
bank-totals = В ротации: <b>{ $in_rotation }</b> · отключено админами: { $disabled } · выведено из банка (хранятся для старых ответов): { $retired }
bank-specialization-line = <b>{ $title }</b> <code>{ ID($id) }</code>: { $total } — junior { $junior } · middle { $middle } · senior { $senior } · тем: { $topics }
bank-no-specializations = Банк в базе пуст. Заполните его командой <code>python -m bot seed</code> или загрузите файл.
bank-gaps-title = <b>Пробелы</b> (специализация · уровень · тема, где в ротации меньше { $minimum } вопросов):
bank-gap-line = ⚠️ { $specialization } · { $level } · { $topic }: { $count }
bank-gap-empty-line = ⛔ { $specialization } · { $level } · { $topic }: пусто
bank-gaps-more = …и ещё { $count }.
bank-no-gaps = ✅ В каждой ячейке в ротации не меньше { $minimum } вопросов.
bank-usage = Вывести вопрос из ротации: <code>/bank disable &lt;id&gt;</code>, вернуть: <code>/bank enable &lt;id&gt;</code>.
bank-export-button = ⬇️ Выгрузить YAML
bank-import-button = ⬆️ Загрузить YAML

bank-export-caption = Банк вопросов: { $questions } вопросов в { $specializations } специализациях (отключено: { $disabled }, отмечены в файле). Отредактируйте и отправьте обратно через «Загрузить».
bank-export-file-header =
    Банк вопросов EasyFlow, выгружен из бота { $date }.
    Один документ (между ---) на специализацию, в формате services/interview/questions/README.md.
    Отредактируйте и отправьте обратно: /bank → «Загрузить». Специализации из файла заменят свои в боте,
    остальные не изменятся. Удалённый из файла вопрос выводится из банка (больше не задаётся, хранится для старых ответов).
    Отключённые вопросы отмечены; загрузка не включает и не отключает вопросы (это делает /bank enable <id>).
bank-export-disabled-mark = отключён в боте: не задаётся до /bank enable

bank-import-ask = { $admin }, пришлите отредактированный банк файлом .yaml (до { $megabytes } МБ). Специализации из файла заменят свои в боте, остальные не изменятся. Пока весь файл не будет без ошибок, ничего не поменяется. /cancel — отменить.
bank-import-not-a-file = Жду банк документом .yaml: прикрепите файл или отправьте /cancel.
bank-import-wrong-type = { $name } — не файл .yaml или .yml. Пришлите YAML-файл банка или /cancel.
bank-import-too-big = { $name } весит { $megabytes } МБ, а предел — { $limit } МБ. Ничего не изменилось.
bank-import-checking = ⏳ Проверяю { $name }…
bank-import-problems = ❌ <b>Ничего не изменилось.</b> { $count ->
    [one] { $count } ошибка
    [few] { $count } ошибки
   *[other] { $count } ошибок
} в { $name }:
bank-import-problem-line = • { $problem }
bank-import-more-problems = …и ещё { $count }.
bank-import-resend = Исправьте файл и пришлите снова или отправьте /cancel.
bank-import-applied = ✅ <b>Загружено</b> { $specializations }: новых { $created }, изменено { $updated }, без изменений { $unchanged }, выведено из банка { $retired }. Вопросов в этих специализациях: { $before } → { $after }.
bank-import-unchanged = ✅ { $name } совпадает с банком ({ $specializations }): менять нечего.

bank-question-disabled = 🚫 <code>{ ID($id) }</code> выведен из ротации: новые собеседования его не зададут. В { $specialization } · { $level } · { $topic } в ротации осталось { $left }.
bank-question-enabled = ✅ <code>{ ID($id) }</code> снова в ротации. В { $specialization } · { $level } · { $topic } в ротации { $left }.
bank-question-already-disabled = <code>{ ID($id) }</code> уже выведен из ротации.
bank-question-already-enabled = <code>{ ID($id) }</code> и так в ротации.
bank-question-unknown = В банке нет вопроса <code>{ ID($id) }</code>. Идентификаторы выглядят так: <code>backend-databases-junior-1</code>; все они есть в выгрузке.
bank-question-id-missing = Какой вопрос? <code>/bank { $action } &lt;id&gt;</code>, например <code>/bank { $action } backend-databases-junior-1</code>.
