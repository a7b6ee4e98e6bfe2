"""/templates in the seller's group: the reply templates the desk suggests, per buyer intent.

Every member may look; only the group's admins (checked with Telegram at every press, and again
when the text arrives) add, edit or delete. Adding and editing ask for the text as a reply to
the bot's prompt (a selective ForceReply); the admin's FSM state is theirs in this chat alone, so
other members go on answering buyers, and the admin's own messages are not sent to a buyer while
they write a template.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ForceReply, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import GROUP_CHAT, NOT_A_COMMAND, PRIVATE_CHAT
from handlers.marketplace.keyboards import (
    TemplatesAction,
    intent_label,
    template_delete_confirm,
    templates_intents,
    templates_of_intent,
)
from handlers.marketplace.membership import is_group_admin, pressed_message, refused_unless_admin
from handlers.marketplace.states import TemplateStates
from handlers.screens import show
from services.marketplace.intents import Intent
from services.marketplace.replies import buyer_chat_of_topic
from services.marketplace.seller_templates import (
    INTENT_LIMIT,
    TEMPLATE_LIMIT,
    SavedTemplate,
    add_template,
    delete_template,
    edit_template,
    templates_of,
)
from services.marketplace.sellers import SellerView, seller_of_group

# FSM data of TemplateStates.text
SELLER, INTENT, TEMPLATE, PROMPTS = "seller_id", "intent", "template_id", "prompts"
# What one screen of an intent's templates may show; longer templates are cut for the view.
SCREEN_BUDGET = 3400
SHORTEST_PREVIEW = 80


def _of_intent(templates: list[SavedTemplate], intent: Intent) -> list[SavedTemplate]:
    return [template for template in templates if template.intent is intent]


def _preview(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def list_text(i18n: I18nContext, seller: SellerView) -> str:
    return "\n\n".join(
        (
            i18n.get("templates-title", group=escape(seller.title)),
            i18n.get("templates-intro"),
            i18n.get("templates-help"),
        )
    )


def intent_text(
    i18n: I18nContext, intent: Intent, templates: list[SavedTemplate], note: str = ""
) -> str:
    lines = [
        i18n.get("templates-intent-title", intent=intent_label(i18n, intent), count=len(templates))
    ]
    if not templates:
        lines.append(i18n.get("templates-intent-empty"))
    limit = max(SHORTEST_PREVIEW, SCREEN_BUDGET // max(1, len(templates)))
    for number, template in enumerate(templates, start=1):
        lines.append(
            i18n.get("templates-item", number=number, text=escape(_preview(template.text, limit)))
        )
    if note:
        lines.append(note)
    return "\n\n".join(lines)


def _counts(templates: list[SavedTemplate]) -> dict[Intent, int]:
    return Counter(template.intent for template in templates)


async def templates_in_group(
    message: Message, i18n: I18nContext, session: AsyncSession, state: FSMContext
) -> None:
    seller = await seller_of_group(session, message.chat.id)
    if seller is None:
        await message.answer(i18n.get("templates-none"))
        return
    thread = message.message_thread_id if message.is_topic_message else None
    if thread is not None and await buyer_chat_of_topic(session, message.chat.id, thread):
        # Texts written for a template here could be taken for answers to the buyer.
        await message.reply(i18n.get("templates-not-in-a-buyer-topic"))
        return
    if await state.get_state() == TemplateStates.text.state:
        await state.clear()  # a fresh view ends a template left unwritten
    templates = await templates_of(session, seller.id, seller.language)
    await message.answer(
        list_text(i18n, seller), reply_markup=templates_intents(i18n, _counts(templates))
    )


async def templates_in_private(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("templates-in-private"))


async def _ask_for_text(
    message: Message,
    query: CallbackQuery,
    state: FSMContext,
    seller: SellerView,
    intent: Intent,
    text: str,
    template_id: int,
) -> None:
    prompt = await message.answer(text, reply_markup=ForceReply(selective=True))
    await state.set_state(TemplateStates.text)
    await state.set_data(
        {
            SELLER: seller.id,
            INTENT: intent.value,
            TEMPLATE: template_id,
            PROMPTS: [prompt.message_id],
        }
    )
    await query.answer()


async def templates_action(
    query: CallbackQuery, callback_data: TemplatesAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext,
) -> None:  # fmt: skip
    message = await pressed_message(query, i18n)
    if message is None:
        return
    chat_id = message.chat.id
    seller = await seller_of_group(session, chat_id)
    if seller is None:
        await query.answer(i18n.get("templates-none"), show_alert=True)
        return
    action = callback_data.action
    templates = await templates_of(session, seller.id, seller.language)
    if action == "list":
        await show(query, list_text(i18n, seller), templates_intents(i18n, _counts(templates)))
        return
    try:
        intent = Intent(callback_data.intent)
    except ValueError:
        await query.answer(i18n.get("callback-stale"))
        return
    shown = _of_intent(templates, intent)
    if action == "intent":
        await show(
            query, intent_text(i18n, intent, shown), templates_of_intent(i18n, intent, shown)
        )
        return
    if action not in ("add", "edit", "delete", "confirm"):
        await query.answer(i18n.get("callback-stale"))
        return
    if await refused_unless_admin(query, bot, i18n, chat_id):
        return
    label = intent_label(i18n, intent)
    if action == "add":
        if len(shown) >= INTENT_LIMIT:
            await query.answer(i18n.get("templates-full", limit=INTENT_LIMIT), show_alert=True)
            return
        text = i18n.get(
            "templates-ask-add",
            mention=query.from_user.mention_html(),
            intent=label,
            limit=TEMPLATE_LIMIT,
        )
        await _ask_for_text(message, query, state, seller, intent, text, 0)
        return
    number, template = next(
        ((n, t) for n, t in enumerate(shown, start=1) if t.id == callback_data.template),
        (0, None),
    )
    if template is None:
        await query.answer(i18n.get("templates-gone"), show_alert=True)
        return
    if action == "edit":
        text = i18n.get(
            "templates-ask-edit",
            mention=query.from_user.mention_html(),
            number=number,
            intent=label,
            limit=TEMPLATE_LIMIT,
            text=escape(template.text),
        )
        await _ask_for_text(message, query, state, seller, intent, text, template.id)
        return
    if action == "delete":
        await show(
            query,
            i18n.get(
                "templates-delete-confirm", number=number, intent=label, text=escape(template.text)
            ),
            template_delete_confirm(i18n, intent, template.id),
        )
        return
    await delete_template(session, seller.id, template.id)
    note = i18n.get("templates-note-deleted", name=escape(query.from_user.full_name))
    shown = [t for t in shown if t.id != template.id]
    await show(
        query, intent_text(i18n, intent, shown, note), templates_of_intent(i18n, intent, shown)
    )


async def _ask_again(message: Message, state: FSMContext, data: dict[str, Any], text: str) -> None:
    """An answer that is a prompt too: a reply to it is taken as the text."""
    asked = await message.reply(text, reply_markup=ForceReply(selective=True))
    await state.update_data({PROMPTS: [*data.get(PROMPTS, []), asked.message_id]})


async def template_text(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext
) -> None:
    """The admin's message while they write a template: the text when it replies to a prompt."""
    data = await state.get_data()
    replied = message.reply_to_message
    if replied is None or replied.message_id not in data.get(PROMPTS, []):
        await _ask_again(message, state, data, i18n.get("templates-reply-to-prompt"))
        return
    text = (message.text or "").strip()
    if not text:
        await _ask_again(message, state, data, i18n.get("templates-empty-text"))
        return
    if len(text) > TEMPLATE_LIMIT:
        await _ask_again(
            message,
            state,
            data,
            i18n.get("templates-too-long", length=len(text), limit=TEMPLATE_LIMIT),
        )
        return
    await state.clear()
    chat_id = message.chat.id
    user = message.from_user
    if user is None or not await is_group_admin(bot, chat_id, user.id):
        await message.reply(i18n.get("templates-not-admin-any-more"))
        return
    seller = await seller_of_group(session, chat_id)
    intent = next((i for i in Intent if i.value == data.get(INTENT)), None)
    if seller is None or seller.id != data.get(SELLER) or intent is None:
        await message.reply(i18n.get("templates-none"))
        return
    template_id = int(data.get(TEMPLATE) or 0)
    name = escape(user.full_name)
    if template_id:
        saved = await edit_template(session, seller.id, template_id, text)
        if saved is None:
            await message.reply(i18n.get("templates-gone"))
            return
    else:
        # Counted again there: another admin's template may have filled the intent meanwhile.
        saved = await add_template(session, seller.id, intent, text)
        if saved is None:
            await message.reply(i18n.get("templates-full", limit=INTENT_LIMIT))
            return
    shown = _of_intent(await templates_of(session, seller.id, seller.language), intent)
    if template_id:
        number = next((n for n, t in enumerate(shown, start=1) if t.id == saved.id), 0)
        note = i18n.get("templates-note-edited", number=number, name=name)
    else:
        note = i18n.get("templates-note-added", name=name)
    await message.reply(
        intent_text(i18n, intent, shown, note),
        reply_markup=templates_of_intent(i18n, intent, shown),
    )


def register(router: Router) -> None:
    router.message.register(templates_in_group, Command("templates"), GROUP_CHAT)
    router.message.register(templates_in_private, Command("templates"), PRIVATE_CHAT)
    router.callback_query.register(templates_action, TemplatesAction.filter())
    # Commands pass: /cancel (the core's) ends the flow, /seller and the rest answer as usual.
    router.message.register(
        template_text, StateFilter(TemplateStates.text), GROUP_CHAT, NOT_A_COMMAND
    )
