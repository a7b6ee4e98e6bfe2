"""/broadcast in the admin group: composing a broadcast up to its confirmation.

The draft is a database row (services.broadcasts.drafts); the FSM of the admin typing holds only
its id. Every button carries the id, so any admin can change, preview, send or discard any
draft, and "send" is decided once by the database. A draft's card is redrawn from the row on
every press, so a card shown before another admin's change never acts on stale figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from io import BytesIO
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.admin.broadcast_message import broadcast_call
from handlers.admin.broadcast_progress import BroadcastDesk, audience_name, operator_translate
from handlers.admin_group import AdminInput, admin_text, ask_admin
from handlers.filters import NOT_A_COMMAND
from handlers.screens import show
from services.broadcasts.composing import (
    DraftSummary,
    audience_choices,
    draft_summary,
    excerpt,
)
from services.broadcasts.control import start_broadcast
from services.broadcasts.drafts import (
    Audience,
    AudienceKind,
    BroadcastMessage,
    DraftProblem,
    DraftRefused,
    check_photo_size,
    create_draft,
    discard_draft,
    parse_inactive_days,
    set_audience,
    set_button,
    set_photo,
    set_text,
    visible_length,
)
from services.models import User
from services.models.broadcast import Broadcast
from services.telegram_text import TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT

BROADCAST_ID = "broadcast_id"  # the only FSM data of the typed steps
MEGABYTE = 1024 * 1024

# Button actions.
EDIT_TEXT, ADD_PHOTO, REMOVE_PHOTO = "text", "photo", "nophoto"
ADD_BUTTON, REMOVE_BUTTON = "button", "nobutton"
AUDIENCE_MENU, CHOOSE_AUDIENCE, ASK_DAYS = "audience", "choose", "days"
CARD, PREVIEW, SEND, DISCARD = "card", "preview", "send", "discard"
LANGUAGE_PREFIX = "lang-"  # a language audience's value: "lang-en"


class DraftAction(CallbackData, prefix="admc"):
    action: str
    broadcast_id: int
    value: str = ""  # the audience chosen: all | paid | never_paid | lang-<code>


# /broadcast and the typed steps


async def broadcast_command(
    message: Message, bot: Bot, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    admin = message.from_user
    assert admin is not None  # IsAdmin
    thread_id = message.message_thread_id if message.is_topic_message else None
    draft = await create_draft(session, admin.id, message.chat.id, thread_id)
    await state.set_state(AdminInput.broadcast_text)
    await state.set_data({BROADCAST_ID: draft.id})
    await ask_admin(bot, i18n, settings, admin, "broadcast-ask-text", id=str(draft.id))


async def text_typed(
    message: Message, bot: Bot, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    """The message, or its new text: a text, or a photo (or image file) with a caption."""

    async def change(broadcast_id: int) -> bool:
        if message.text is not None:
            await set_text(session, broadcast_id, message.html_text)
            return True
        draft = await _take_photo(message, bot, session, i18n, settings, broadcast_id)
        if draft is None or draft.text:
            return draft is not None
        # A photo without a caption: it is kept, its text comes next.
        await session.commit()
        await ask_admin(
            bot,
            i18n,
            settings,
            message.from_user,  # type: ignore[arg-type]
            "broadcast-ask-caption",
            limit=TELEGRAM_CAPTION_LIMIT,
        )
        return False

    await _typed_change(message, state, session, i18n, settings, change)


async def photo_typed(
    message: Message, bot: Bot, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    """Add photo: a photo or an image file; a caption with it replaces the text."""

    async def change(broadcast_id: int) -> bool:
        if message.text is not None:
            raise DraftRefused(DraftProblem.NOT_A_PHOTO)
        return await _take_photo(message, bot, session, i18n, settings, broadcast_id) is not None

    await _typed_change(message, state, session, i18n, settings, change)


async def button_typed(
    message: Message, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    async def change(broadcast_id: int) -> None:
        await set_button(session, broadcast_id, message.text or "")

    await _typed_change(message, state, session, i18n, settings, change)


async def days_typed(
    message: Message, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    async def change(broadcast_id: int) -> None:
        days = parse_inactive_days(message.text or "")
        await set_audience(
            session, broadcast_id, Audience(AudienceKind.INACTIVE, inactive_days=days)
        )

    await _typed_change(message, state, session, i18n, settings, change)


async def _typed_change(
    message: Message, state: FSMContext, session: AsyncSession, i18n: I18nContext,
    settings: Settings, change: Callable[[int], Awaitable[bool | None]],
) -> None:  # fmt: skip
    """A typed step that makes one change to the draft: refused with its reason (the step
    stays open for another try), or done (the card again). A change that answered itself
    (another question, a refusal of Telegram's) returns False."""
    broadcast_id = await _step_draft(message, state, i18n, settings)
    if broadcast_id is None:
        return
    try:
        if await change(broadcast_id) is False:
            return
    except DraftRefused as refused:
        await _refuse_input(message, state, session, i18n, settings, refused)
        return
    await _step_done(message, state, session, i18n, settings, broadcast_id)


async def _step_draft(
    message: Message, state: FSMContext, i18n: I18nContext, settings: Settings
) -> int | None:
    broadcast_id = (await state.get_data()).get(BROADCAST_ID)
    if broadcast_id is None:  # the step's data expired
        await state.clear()
        await message.reply(admin_text(i18n, settings, "broadcast-expired"))
        return None
    return int(broadcast_id)


async def _take_photo(
    message: Message, bot: Bot, session: AsyncSession, i18n: I18nContext, settings: Settings,
    broadcast_id: int,
) -> Broadcast | None:  # fmt: skip
    """Puts the message's photo (and its caption, if any, as the text) on the draft; None when
    Telegram refused the image, which the admin has been told."""
    photo_id, size = await _photo_of(message, bot, i18n, settings)
    if photo_id is None:
        return None
    if message.caption:  # the new caption first, so the old text need not fit a caption
        await set_photo(session, broadcast_id, None)
        await set_text(session, broadcast_id, message.html_text)
    return await set_photo(session, broadcast_id, photo_id, size)


async def _photo_of(
    message: Message, bot: Bot, i18n: I18nContext, settings: Settings
) -> tuple[str | None, int | None]:
    """The photo's file id and size; an image sent as a file is uploaded as a photo first.
    Refuses (DraftRefused) anything else; (None, None) when Telegram refused the image, which
    the admin has been told."""
    if message.photo:
        largest: PhotoSize = message.photo[-1]
        return largest.file_id, largest.file_size
    document = message.document
    if document is None or not (document.mime_type or "").startswith("image/"):
        raise DraftRefused(DraftProblem.NOT_A_PHOTO)
    check_photo_size(document.file_size)  # before downloading: the bytes are never fetched
    buffer = BytesIO()
    await bot.download(document, destination=buffer)
    try:
        uploaded = await bot.send_photo(
            message.chat.id,
            BufferedInputFile(buffer.getvalue(), filename=document.file_name or "image"),
            message_thread_id=message.message_thread_id if message.is_topic_message else None,
        )
    except TelegramBadRequest as error:
        await message.reply(
            admin_text(i18n, settings, "broadcast-image-refused", reason=escape(error.message))
        )
        return None, None
    assert uploaded.photo  # Telegram answers a sendPhoto with the photo's sizes
    largest = uploaded.photo[-1]
    return largest.file_id, largest.file_size or document.file_size


async def _refuse_input(
    message: Message, state: FSMContext, session: AsyncSession, i18n: I18nContext,
    settings: Settings, refused: DraftRefused,
) -> None:  # fmt: skip
    """Says what was wrong; the step stays open for another try (unless the draft is gone)."""
    await _undo(session)  # a half-made change (a photo before its caption) is not kept
    if refused.problem is DraftProblem.NOT_A_DRAFT:
        await state.clear()
    await message.reply(_problem_text(i18n, settings, refused))


async def _step_done(
    message: Message, state: FSMContext, session: AsyncSession, i18n: I18nContext,
    settings: Settings, broadcast_id: int,
) -> None:  # fmt: skip
    await session.commit()  # saved before anyone is shown it
    await state.clear()
    summary = await draft_summary(session, broadcast_id)
    assert summary is not None  # it was changed a moment ago
    await message.reply(
        _card_text(i18n, settings, summary), reply_markup=_card_markup(i18n, settings, summary)
    )


# The draft's buttons


async def ask_pressed(
    query: CallbackQuery, callback_data: DraftAction, bot: Bot, state: FSMContext,
    i18n: I18nContext, session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    """Edit text, Add photo, Add button, Inactive for N days: the step that reads the input."""
    summary = await _pressed_draft(query, callback_data, i18n, session, settings)
    if summary is None:
        return
    step, key = {
        EDIT_TEXT: (AdminInput.broadcast_text, "broadcast-ask-new-text"),
        ADD_PHOTO: (AdminInput.broadcast_photo, "broadcast-ask-photo"),
        ADD_BUTTON: (AdminInput.broadcast_button, "broadcast-ask-button"),
        ASK_DAYS: (AdminInput.broadcast_days, "broadcast-ask-days"),
    }[callback_data.action]
    await state.set_state(step)
    await state.set_data({BROADCAST_ID: callback_data.broadcast_id})
    await query.answer()
    has_photo = summary.broadcast.photo_file_id is not None
    await ask_admin(
        bot,
        i18n,
        settings,
        query.from_user,
        key,
        id=str(callback_data.broadcast_id),
        photo="yes" if has_photo else "no",
        limit=TELEGRAM_CAPTION_LIMIT if has_photo else TELEGRAM_TEXT_LIMIT,
        caption_limit=TELEGRAM_CAPTION_LIMIT,
    )


async def remove_pressed(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    async def change(broadcast_id: int) -> None:
        if callback_data.action == REMOVE_PHOTO:
            await set_photo(session, broadcast_id, None)
        else:
            await set_button(session, broadcast_id, None)

    await _pressed_change(query, callback_data, i18n, session, settings, change)


async def card_pressed(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    """◀ Back (from the audience menu or the confirmation): the card again."""
    await _show_card(query, callback_data, i18n, session, settings)


async def audience_menu_pressed(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    summary = await _pressed_draft(query, callback_data, i18n, session, settings)
    if summary is None:
        return
    keyboard = InlineKeyboardBuilder()
    for choice in await audience_choices(session):
        keyboard.button(
            text=admin_text(
                i18n,
                settings,
                "broadcast-audience-option",
                audience=_audience_name(i18n, settings, choice.audience),
                count=choice.recipients,
                chosen="yes" if choice.audience == summary.audience else "no",
            ),
            callback_data=DraftAction(
                action=CHOOSE_AUDIENCE,
                broadcast_id=callback_data.broadcast_id,
                value=_audience_value(choice.audience),
            ),
        )
    inactive = summary.audience.kind is AudienceKind.INACTIVE
    keyboard.button(
        text=admin_text(
            i18n,
            settings,
            "broadcast-audience-inactive-option",
            days=summary.audience.inactive_days or 0,
            count=summary.recipients,
            chosen="yes" if inactive else "no",
        ),
        callback_data=DraftAction(action=ASK_DAYS, broadcast_id=callback_data.broadcast_id),
    )
    keyboard.button(
        text=admin_text(i18n, settings, "broadcast-button-back"),
        callback_data=DraftAction(action=CARD, broadcast_id=callback_data.broadcast_id),
    )
    keyboard.adjust(1)
    text = admin_text(
        i18n, settings, "broadcast-audience-title", id=str(callback_data.broadcast_id)
    )
    await show(query, text, keyboard.as_markup())


async def audience_chosen(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    audience = _audience_from_value(callback_data.value)
    if audience is None:  # a button of an older version of this menu
        await _show_card(query, callback_data, i18n, session, settings)
        return

    async def change(broadcast_id: int) -> None:
        await set_audience(session, broadcast_id, audience)

    await _pressed_change(query, callback_data, i18n, session, settings, change)


async def _pressed_change(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings, change: Callable[[int], Awaitable[None]],
) -> None:  # fmt: skip
    """A press that makes one change to the draft: refused with its reason, or the card
    redrawn."""
    try:
        await change(callback_data.broadcast_id)
    except DraftRefused as refused:
        await _refuse_press(query, session, i18n, settings, refused)
        return
    await session.commit()
    await _show_card(query, callback_data, i18n, session, settings)


async def preview_pressed(
    query: CallbackQuery, callback_data: DraftAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    """The message exactly as users get it, then "send to N users" under it."""
    summary = await _pressed_draft(query, callback_data, i18n, session, settings)
    if summary is None:
        return
    await query.answer()
    draft = summary.broadcast
    chat_id = query.message.chat.id if query.message else draft.admin_chat_id
    back = _one_button(admin_text(i18n, settings, "broadcast-button-back-to-draft"), CARD, draft.id)
    try:
        await bot(broadcast_call(chat_id, BroadcastMessage.of(draft), draft.admin_thread_id))
    except TelegramBadRequest as error:
        await bot.send_message(
            chat_id,
            admin_text(i18n, settings, "broadcast-preview-refused", reason=escape(error.message)),
            message_thread_id=draft.admin_thread_id,
            reply_markup=back,
        )
        return
    audience = _audience_name(i18n, settings, summary.audience)
    if summary.recipients == 0:
        text = admin_text(i18n, settings, "broadcast-confirm-nobody", audience=audience)
        markup = back
    else:
        text = admin_text(
            i18n, settings, "broadcast-confirm", count=summary.recipients, audience=audience
        )
        keyboard = InlineKeyboardBuilder()
        keyboard.button(
            text=admin_text(i18n, settings, "broadcast-button-send", count=summary.recipients),
            # The version previewed: a Send after someone changed the draft is refused.
            callback_data=DraftAction(
                action=SEND, broadcast_id=draft.id, value=str(draft.revision)
            ),
        )
        keyboard.button(
            text=admin_text(i18n, settings, "broadcast-button-back-to-draft"),
            callback_data=DraftAction(action=CARD, broadcast_id=draft.id),
        )
        keyboard.adjust(1)
        markup = keyboard.as_markup()
    await bot.send_message(
        chat_id, text, message_thread_id=draft.admin_thread_id, reply_markup=markup
    )


async def send_pressed(
    query: CallbackQuery, callback_data: DraftAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, settings: Settings, broadcasts: BroadcastDesk,
) -> None:  # fmt: skip
    broadcast_id = callback_data.broadcast_id
    try:
        recipients = await start_broadcast(
            session, broadcast_id, query.from_user.id, revision=int(callback_data.value or 0)
        )
    except DraftRefused as refused:
        await _refuse_press(query, session, i18n, settings, refused)
        return
    await session.commit()  # running (and its recipients written) before anything is sent
    await show(
        query,
        admin_text(i18n, settings, "broadcast-started", id=str(broadcast_id), count=recipients),
    )
    await broadcasts.act_now(broadcast_id)


async def discard_pressed(
    query: CallbackQuery, callback_data: DraftAction, state: FSMContext, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    try:
        await discard_draft(session, callback_data.broadcast_id)
    except DraftRefused as refused:
        await _refuse_press(query, session, i18n, settings, refused)
        return
    await session.commit()
    if (await state.get_data()).get(BROADCAST_ID) == callback_data.broadcast_id:
        await state.clear()  # the presser's own step for this draft ends with it
    await show(
        query,
        admin_text(i18n, settings, "broadcast-discarded", id=str(callback_data.broadcast_id)),
    )


async def _pressed_draft(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> DraftSummary | None:  # fmt: skip
    """The draft under the pressed button; None (the presser told why) once it is none."""
    summary = await draft_summary(session, callback_data.broadcast_id)
    if summary is None or not summary.is_draft:
        await query.answer(
            _problem_text(i18n, settings, DraftRefused(DraftProblem.NOT_A_DRAFT)),
            show_alert=True,
        )
        return None
    return summary


async def _show_card(
    query: CallbackQuery, callback_data: DraftAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    summary = await _pressed_draft(query, callback_data, i18n, session, settings)
    if summary is not None:
        await show(
            query, _card_text(i18n, settings, summary), _card_markup(i18n, settings, summary)
        )


async def _refuse_press(
    query: CallbackQuery, session: AsyncSession, i18n: I18nContext, settings: Settings,
    refused: DraftRefused,
) -> None:  # fmt: skip
    await _undo(session)
    await query.answer(_problem_text(i18n, settings, refused), show_alert=True)


async def _undo(session: AsyncSession) -> None:
    """Rolls back what a refused change may have begun.

    A rollback expires every object the session holds, the user the user middleware caches
    after the handler included; reading an expired attribute there would load it outside an
    await and fail, so users are loaded again here.
    """
    await session.rollback()
    for held in list(session.identity_map.values()):
        if isinstance(held, User):
            await session.refresh(held)


# Rendering


def _card_text(i18n: I18nContext, settings: Settings, summary: DraftSummary) -> str:
    """The draft's card: everything about the message and who gets it, in one place."""

    def t(key: str, **args: Any) -> str:
        return admin_text(i18n, settings, key, **args)

    draft = summary.broadcast
    has_photo = draft.photo_file_id is not None
    lines = [
        t("broadcast-card-title", id=str(draft.id)),
        "",
        t(
            "broadcast-card-text",
            length=visible_length(draft.text),
            limit=TELEGRAM_CAPTION_LIMIT if has_photo else TELEGRAM_TEXT_LIMIT,
            excerpt=escape(excerpt(draft.text)),
        ),
        t("broadcast-card-photo", photo="yes" if has_photo else "no"),
        t(
            "broadcast-card-button",
            label=escape(draft.button_text),
            url=escape(draft.button_url or ""),
        )
        if draft.button_text
        else t("broadcast-card-no-button"),
        t(
            "broadcast-card-audience",
            audience=_audience_name(i18n, settings, summary.audience),
            count=summary.recipients,
        ),
        "",
        t("broadcast-card-hint"),
    ]
    return "\n".join(lines)


def _card_markup(
    i18n: I18nContext, settings: Settings, summary: DraftSummary
) -> InlineKeyboardMarkup:
    draft = summary.broadcast
    keyboard = InlineKeyboardBuilder()

    def button(key: str, action: str, **args: Any) -> None:
        keyboard.button(
            text=admin_text(i18n, settings, key, **args),
            callback_data=DraftAction(action=action, broadcast_id=draft.id),
        )

    button("broadcast-button-edit-text", EDIT_TEXT)
    if draft.photo_file_id is None:
        button("broadcast-button-add-photo", ADD_PHOTO)
    else:
        button("broadcast-button-remove-photo", REMOVE_PHOTO)
    if draft.button_text is None:
        button("broadcast-button-add-button", ADD_BUTTON)
    else:
        button("broadcast-button-remove-button", REMOVE_BUTTON)
    button(
        "broadcast-button-audience",
        AUDIENCE_MENU,
        audience=_audience_name(i18n, settings, summary.audience),
        count=summary.recipients,
    )
    button("broadcast-button-preview", PREVIEW)
    button("broadcast-button-discard", DISCARD)
    keyboard.adjust(1, 2, 1, 2)
    return keyboard.as_markup()


def _one_button(text: str, action: str, broadcast_id: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=text, callback_data=DraftAction(action=action, broadcast_id=broadcast_id))
    return keyboard.as_markup()


def _audience_name(i18n: I18nContext, settings: Settings, audience: Audience) -> str:
    return audience_name(operator_translate(i18n, settings), audience)


def _audience_value(audience: Audience) -> str:
    if audience.kind is AudienceKind.LANGUAGE:
        return f"{LANGUAGE_PREFIX}{audience.language}"
    return audience.kind.value


def _audience_from_value(value: str) -> Audience | None:
    if value.startswith(LANGUAGE_PREFIX):
        return Audience(AudienceKind.LANGUAGE, language=value.removeprefix(LANGUAGE_PREFIX))
    if value in {AudienceKind.ALL, AudienceKind.PAID, AudienceKind.NEVER_PAID}:
        return Audience(AudienceKind(value))
    return None


def _problem_text(i18n: I18nContext, settings: Settings, refused: DraftRefused) -> str:
    details = dict(refused.details)
    if refused.problem is DraftProblem.PHOTO_TOO_BIG:  # bytes, as admins read sizes
        details["size"] = f"{int(details.get('size') or 0) / MEGABYTE:.1f}"
        details["limit"] = f"{int(details.get('limit') or 0) / MEGABYTE:.0f}"
    if "url" in details:
        details["url"] = escape(str(details["url"]))
    details.pop("started_by", None)
    return admin_text(
        i18n, settings, f"broadcast-problem-{refused.problem.value.replace('_', '-')}", **details
    )


def register(router: Router) -> None:
    """Adds /broadcast's handlers to the admin console's router (admins in the admin group)."""
    router.message.register(broadcast_command, Command("broadcast"))
    router.message.register(text_typed, StateFilter(AdminInput.broadcast_text), NOT_A_COMMAND)
    router.message.register(photo_typed, StateFilter(AdminInput.broadcast_photo), NOT_A_COMMAND)
    router.message.register(button_typed, StateFilter(AdminInput.broadcast_button), NOT_A_COMMAND)
    router.message.register(days_typed, StateFilter(AdminInput.broadcast_days), NOT_A_COMMAND)
    asks = {EDIT_TEXT, ADD_PHOTO, ADD_BUTTON, ASK_DAYS}
    router.callback_query.register(ask_pressed, DraftAction.filter(F.action.in_(asks)))
    router.callback_query.register(
        remove_pressed, DraftAction.filter(F.action.in_({REMOVE_PHOTO, REMOVE_BUTTON}))
    )
    router.callback_query.register(card_pressed, DraftAction.filter(F.action == CARD))
    router.callback_query.register(
        audience_menu_pressed, DraftAction.filter(F.action == AUDIENCE_MENU)
    )
    router.callback_query.register(audience_chosen, DraftAction.filter(F.action == CHOOSE_AUDIENCE))
    router.callback_query.register(preview_pressed, DraftAction.filter(F.action == PREVIEW))
    router.callback_query.register(send_pressed, DraftAction.filter(F.action == SEND))
    router.callback_query.register(discard_pressed, DraftAction.filter(F.action == DISCARD))
