"""/start, the menu, /help, /language, /settings, /cancel — through the emulator, as a user."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlalchemy import select

from services.database import create_engine
from services.models import User
from tests.e2e.harness import HarnessFactory, button_data, new_user

# The main menu with every module on: a button per module that has a screen, then the core's.
EVERY_MODULES_MENU = [
    "🎤 Mock interview",
    "💳 Buy interviews",
    "🛒 Marketplace chats",
    "⚙️ Settings",
    "❓ Help",
]


class NameFlow(StatesGroup):
    waiting_for_name = State()


def name_flow_router() -> Router:
    """A two-step flow standing in for the real ones, to exercise FSM storage and /cancel."""
    router = Router(name="test.name_flow")

    @router.message(Command("name"))
    async def ask(message: Message, state: FSMContext) -> None:
        await state.set_state(NameFlow.waiting_for_name)
        await message.answer("What is your name?")

    @router.message(StateFilter(NameFlow.waiting_for_name), F.text)
    async def remember(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer(f"Nice to meet you, {message.text}")

    return router


async def _user_row(database_url: str, telegram_id: int) -> User | None:
    """The user's row once the update that created it is committed.

    The bot replies from inside the handler and commits when the handler returns, so right
    after the reply the row may not be visible yet: wait for it (up to 5 s).
    """
    engine = create_engine(database_url)
    try:
        for _ in range(100):
            async with engine.connect() as connection:
                row = (
                    await connection.execute(select(User).where(User.telegram_id == telegram_id))
                ).first()
            if row is not None:
                return row
            await asyncio.sleep(0.05)
        return None
    finally:
        await engine.dispose()


async def test_start_in_english_shows_one_menu_entry_per_enabled_module(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user("en", first_name="Ann")
    [reply] = await harness.say(user, "/start")
    assert "Hi, Ann!" in reply["text"]
    labels = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == EVERY_MODULES_MENU
    # The second /start greets a returning user.
    [again] = await harness.say(user, "/start")
    assert "Welcome back, Ann!" in again["text"]


async def test_start_in_russian_for_a_russian_telegram_user(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user("ru-RU", first_name="Иван")
    [reply] = await harness.say(user, "/start")
    assert "Привет, Иван!" in reply["text"]
    assert "🎤 Пробное собеседование" in str(reply["reply_markup"])


async def test_unsupported_telegram_language_falls_back_to_english(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    [reply] = await harness.say(new_user("de"), "/start")
    assert reply["text"].startswith("👋 Hi")


async def test_deep_link_payload_is_recorded_once(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    user = new_user()
    [reply] = await harness.say(user, "/start campaign_autumn")
    assert "Hi, Alex!" in reply["text"]
    await harness.say(user, "/start another_campaign")
    row = await _user_row(harness.settings.effective_database_url, user["id"])
    assert row is not None and row.start_source == "campaign_autumn"


async def test_malformed_deep_link_payload_still_greets(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    user = new_user()
    [reply] = await harness.say(user, "/start <script>alert(1)</script>")
    assert "Hi, Alex!" in reply["text"]
    row = await _user_row(harness.settings.effective_database_url, user["id"])
    assert row is not None and row.start_source is None


async def test_modules_switched_off_have_no_menu_entry_and_their_buttons_go_stale(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start(modules="interview")
    user = new_user()
    [menu] = await harness.say(user, "/start")
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["🎤 Mock interview", "⚙️ Settings", "❓ Help"]
    pressed = await harness.press(user, menu, "menu:payments")
    answer = await harness.client.callback_answer(pressed["callback_query_id"], wait=5)
    assert "no longer active" in answer["text"]


async def test_a_module_without_a_screen_of_its_own_has_no_menu_button(
    harness_factory: HarnessFactory,
) -> None:
    # The admin module lives in the admin group: no private-chat button that leads to a
    # "being prepared" screen, not even for an admin; a stale button from an old menu says so.
    admin = new_user()
    harness = await harness_factory.start(admin_ids=[admin["id"]])
    [menu] = await harness.say(admin, "/start")
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == EVERY_MODULES_MENU
    pressed = await harness.press(admin, menu, "menu:admin")
    answer = await harness.client.callback_answer(pressed["callback_query_id"], wait=5)
    assert "no longer active" in answer["text"]
    assert "being prepared" not in str(await harness.client.messages(admin["id"]))


async def test_menu_buttons_edit_the_menu_in_place_and_lead_back(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user()
    [menu] = await harness.say(user, "/start")
    for label, expected in [
        ("Mock interview", "Mock interviews"),
        ("Buy interviews", "Buy interviews"),
        ("Marketplace chats", "Marketplace chats"),
        ("Help", "What I can do"),
        ("Settings", "Language: 🇬🇧 English"),
    ]:
        await harness.press(user, menu, button_data(menu, label))
        [screen] = await harness.client.wait_for_edit(
            user["id"], menu["message_id"], contains=expected
        )
        assert screen["message_id"] == menu["message_id"]
        back = "Main menu" if label != "Settings" else "Back"
        await harness.press(user, screen, button_data(screen, back))
        [menu] = await harness.client.wait_for_edit(
            user["id"], menu["message_id"], contains="🏠 Main menu"
        )


def _help_commands(text: str) -> list[str]:
    return [line.split(" — ")[0] for line in text.splitlines() if line.startswith("/")]


async def test_help_lists_every_command_of_the_enabled_modules(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    [reply] = await harness.say(new_user(), "/help")
    assert _help_commands(reply["text"]) == [
        "/start",
        "/interview",
        "/progress",
        "/bookmarks",
        "/buy",
        "/balance",
        "/paysupport",
        "/help",
        "/language",
        "/settings",
        "/cancel",
    ]
    assert "/buy — Buy interviews" in reply["text"]
    # In the user's language, from the same descriptions as Telegram's command menu.
    [russian] = await harness.say(new_user("ru"), "/help")
    assert "/progress — Мой прогресс" in russian["text"]
    assert "Что я умею" in russian["text"]


async def test_help_lists_only_the_commands_of_the_modules_that_are_on(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start(modules="payments")
    [reply] = await harness.say(new_user(), "/help")
    assert _help_commands(reply["text"]) == [
        "/start",
        "/buy",
        "/balance",
        "/paysupport",
        "/help",
        "/language",
        "/settings",
        "/cancel",
    ]


async def test_language_switch_is_remembered(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    user = new_user("en")
    [prompt] = await harness.say(user, "/language")
    sent = await harness.press(user, prompt, button_data(prompt, "Русский"))
    replies = await harness.client.wait_for_bot_messages(
        user["id"], after=prompt["message_id"], count=1
    )
    edited = await harness.client.wait_for_edit(
        user["id"], prompt["message_id"], contains="русский"
    )
    assert sent["callback_query_id"]
    assert "Главное меню" in replies[0]["text"]
    assert edited[0]["text"] == "✅ Язык переключён на русский."
    [help_reply] = await harness.say(user, "/help")
    assert "Что я умею" in help_reply["text"]
    row = await _user_row(harness.settings.effective_database_url, user["id"])
    assert row is not None and row.language == "ru"


async def test_settings_shows_the_language_and_can_change_it(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user("ru")
    [screen] = await harness.say(user, "/settings")
    assert "Язык: 🇷🇺 Русский" in screen["text"]
    await harness.press(user, screen, button_data(screen, "Сменить язык"))
    [prompt] = await harness.client.wait_for_edit(
        user["id"], screen["message_id"], contains="Выберите язык"
    )
    assert "English" in str(prompt["reply_markup"])


async def test_cancel_leaves_a_flow_and_says_so(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start(extra_routers=[name_flow_router()])
    user = new_user()
    [question] = await harness.say(user, "/name")
    assert question["text"] == "What is your name?"
    [cancelled] = await harness.say(user, "/cancel")
    assert cancelled["text"].startswith("✖️ Cancelled")
    [hint] = await harness.say(user, "Bob")  # no longer in the flow: a hint, not "Nice to meet you"
    assert "didn't get that" in hint["text"]
    [nothing] = await harness.say(user, "/cancel")
    assert "nothing to cancel" in nothing["text"]


async def test_bot_commands_are_published_per_language(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    english = await harness.client.bot_commands(language_code="en")
    russian = await harness.client.bot_commands(language_code="ru")
    default = await harness.client.bot_commands()
    assert [c["command"] for c in english] == [
        "start", "interview", "progress", "bookmarks", "buy", "balance", "paysupport",
        "help", "language", "settings", "cancel",
    ]  # fmt: skip
    assert {c["command"]: c["description"] for c in russian}["language"] == "Сменить язык"
    assert {c["command"]: c["description"] for c in russian}["progress"] == "Мой прогресс"
    assert default == english
    # The marketplace desk's commands are for group administrators.
    group = await harness.client.bot_commands(
        language_code="ru", scope={"type": "all_chat_administrators"}
    )
    assert [c["command"] for c in group] == [
        "connect", "seller", "templates", "sla", "chats", "close",
    ]  # fmt: skip
    assert all(c["description"] for c in group)


async def test_a_module_that_is_off_publishes_no_commands(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start(modules="marketplace,admin")
    english = await harness.client.bot_commands(language_code="en")
    assert [c["command"] for c in english] == ["start", "help", "language", "settings", "cancel"]
    [reply] = await harness.say(new_user(), "/interview")
    assert "didn't get that" in reply["text"]
