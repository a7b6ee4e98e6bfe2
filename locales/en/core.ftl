## Greeting and main menu

start-greeting =
    👋 Hi, { $name }!
    I'm EasyFlow. Pick what you want to do:
start-greeting-back =
    👋 Welcome back, { $name }!
    What shall we do now?
main-menu-title = 🏠 Main menu
menu-interview = 🎤 Mock interview
menu-payments = 💳 Buy interviews
menu-marketplace = 🛒 Marketplace chats
menu-settings = ⚙️ Settings
menu-help = ❓ Help
button-main-menu = 🏠 Main menu
button-back = ⬅️ Back

## Help

help-title = <b>What I can do</b>
help-title-admin-chat = <b>The console's commands</b> (for the bot's admins, here in the admin group)
help-title-group = <b>Commands in this group</b> (for its administrators)
help-command = /{ $command } — { $description }
help-footer = Use the buttons under my messages; you can always get back with /start.

## Language

language-prompt = 🌐 Choose your language:
language-changed = ✅ Language set to English.
language-name-en = 🇬🇧 English
language-name-ru = 🇷🇺 Русский

## Settings

settings-title =
    ⚙️ <b>Settings</b>
    Language: { $language }
settings-change-language = 🌐 Change language
settings-voice-questions = Questions read aloud: { $state }
settings-voice-questions-on = 🔊 Read questions aloud
settings-voice-questions-off = 🔇 Stop reading questions aloud
settings-on = on
settings-off = off

## Cancel

cancel-done = ✖️ Cancelled. You're back at the main menu.
cancel-nothing = There is nothing to cancel. Here is the main menu.
cancel-done-group = ✖️ Cancelled.
cancel-nothing-group = There is nothing to cancel.

## Hints and errors

hint-unknown-text = I didn't get that. Use the menu below or send /help.
hint-unsupported-content = I can only read text here. Please send a text message or use the buttons.
error-generic = 😕 Something went wrong on my side. Your data is safe — please try again or go back to the menu.
button-retry-start = 🔄 Start over
callback-stale = This button is no longer active. Send /start for a fresh menu.
throttled = ⏳ You're sending messages too fast. Please wait a few seconds — I'll catch up.

## Bot commands (shown in Telegram's menu)

command-start = Main menu
command-help = What I can do
command-language = Switch language
command-settings = Settings
command-cancel = Stop the current action

duration-days = { $count } d
duration-hours = { $count } h
duration-minutes = { $count } min
duration-seconds = { $count } s
