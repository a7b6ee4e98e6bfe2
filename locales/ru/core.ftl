## Greeting and main menu

start-greeting =
    👋 Привет, { $name }!
    Я EasyFlow. Выберите, что хотите сделать:
start-greeting-back =
    👋 С возвращением, { $name }!
    Чем займёмся?
main-menu-title = 🏠 Главное меню
menu-interview = 🎤 Пробное собеседование
menu-payments = 💳 Купить собеседования
menu-marketplace = 🛒 Чаты маркетплейсов
menu-settings = ⚙️ Настройки
menu-help = ❓ Помощь
button-main-menu = 🏠 Главное меню
button-back = ⬅️ Назад

## Help

help-title = <b>Что я умею</b>
help-title-admin-chat = <b>Команды консоли</b> (для администраторов бота, здесь, в админ-группе)
help-title-group = <b>Команды в этой группе</b> (для её администраторов)
help-command = /{ $command } — { $description }
help-footer = Пользуйтесь кнопками под моими сообщениями; вернуться всегда можно командой /start.

## Language

language-prompt = 🌐 Выберите язык:
language-changed = ✅ Язык переключён на русский.
language-name-en = 🇬🇧 English
language-name-ru = 🇷🇺 Русский

## Settings

settings-title =
    ⚙️ <b>Настройки</b>
    Язык: { $language }
settings-change-language = 🌐 Сменить язык
settings-voice-questions = Озвучивать вопросы: { $state }
settings-voice-questions-on = 🔊 Озвучивать вопросы
settings-voice-questions-off = 🔇 Не озвучивать вопросы
settings-on = да
settings-off = нет

## Cancel

cancel-done = ✖️ Отменено. Вы в главном меню.
cancel-nothing = Отменять нечего. Вот главное меню.
cancel-done-group = ✖️ Отменено.
cancel-nothing-group = Отменять нечего.

## Hints and errors

hint-unknown-text = Не понял сообщение. Воспользуйтесь меню ниже или отправьте /help.
hint-unsupported-content = Здесь я понимаю только текст. Отправьте текстовое сообщение или нажмите кнопку.
error-generic = 😕 У меня что-то пошло не так. Ваши данные в сохранности — попробуйте ещё раз или вернитесь в меню.
button-retry-start = 🔄 Начать заново
callback-stale = Эта кнопка больше не активна. Отправьте /start, чтобы открыть свежее меню.
throttled = ⏳ Вы отправляете сообщения слишком быстро. Подождите несколько секунд — я всё обработаю.

## Bot commands (shown in Telegram's menu)

command-start = Главное меню
command-help = Что я умею
command-language = Сменить язык
command-settings = Настройки
command-cancel = Прервать текущее действие

duration-days = { $count } д
duration-hours = { $count } ч
duration-minutes = { $count } мин
duration-seconds = { $count } с
