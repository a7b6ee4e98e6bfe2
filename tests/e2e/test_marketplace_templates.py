"""/templates in a seller's group, and /seller's reply options, end to end on the embedded
backend: the defaults are there from the start, admins add, edit and delete templates (the text
as a reply to the bot's prompt), members only look, and /cancel or a bad text leave nothing
half-saved. Seeding happens once: a seller who deletes every template keeps none."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.marketplace.intents import Intent
from services.marketplace.models import Marketplace
from services.marketplace.reply_templates import default_templates
from services.marketplace.seller_templates import (
    TEMPLATE_LIMIT,
    delete_template,
    templates_of,
)
from services.models.marketplace import ReplyTemplate, Seller
from tests.e2e import group_screens as screens
from tests.e2e.desk import Desk, open_desk
from tests.e2e.group_screens import Message, text_of
from tests.e2e.harness import new_user
from tests.e2e.interview_driver import labels

pytestmark = pytest.mark.asyncio

_text = text_of


async def bot_text(desk: Desk, chat_id: int, expect: str, after: int = 0, same: int = 0) -> Message:
    return await screens.bot_text(desk.client, chat_id, expect, after, same)


async def ask(desk: Desk, user: Any, text: str, expect: str, chat_id: int = 0, **fields: Any):
    return await screens.ask(desk.client, chat_id or desk.group_id, user, text, expect, **fields)


async def press(desk: Desk, user: Any, message: Message, label: str) -> str:
    return await screens.press(desk.client, desk.group_id, user, message, label)


async def press_and_wait(desk: Desk, user: Any, message: Message, label: str, expect: str):
    return await screens.press_and_wait(desk.client, desk.group_id, user, message, label, expect)


async def alert(desk: Desk, callback_query_id: str) -> dict[str, Any]:
    return await screens.alert(desk.client, callback_query_id)


async def saved(desk: Desk, intent: Intent | None = None) -> list[str]:
    async with desk.harness.resources.session_factory() as session:
        query = select(ReplyTemplate.text).where(ReplyTemplate.seller_id == desk.seller_id)
        if intent is not None:
            query = query.where(ReplyTemplate.intent == intent.value)
        return list((await session.scalars(query.order_by(ReplyTemplate.id))).all())


async def seller_row(desk: Desk) -> Seller:
    async with desk.harness.resources.session_factory() as session:
        seller = await session.get(Seller, desk.seller_id)
        assert seller is not None
        return seller


async def test_admins_add_edit_and_delete_templates_members_only_look(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    admin, member = desk.operator, new_user(first_name="Ivan")
    await desk.client.add_member(desk.group_id, member)
    defaults = default_templates("en")

    # Anyone in the group sees the defaults from the start, and how placeholders work.
    listing = await ask(desk, member, "/templates", "Shop support: reply templates")
    assert "{name}" in _text(listing) and "{order}" in _text(listing)
    assert "Hello[, {name}]!" in _text(listing)
    where = Intent.WHERE_IS_ORDER
    assert f"📦 Where is my order · {len(defaults[where])}" in labels(listing)
    assert len(labels(listing)) == len(Intent)
    screen = await press_and_wait(desk, member, listing, "Where is my order", "Where is my order")
    for number, text in enumerate(defaults[where], start=1):
        assert f"{number}. {text}" in _text(screen)  # raw, placeholders and all
    assert labels(screen)[-2:] == ["➕ Add", "⬅️ Back"]

    # A member who is not an admin cannot change anything.
    for label in ("Add", "Edit 1", "Delete 1"):
        answer = await alert(desk, await press(desk, member, screen, label))
        assert answer["show_alert"] and "Only the group's admins" in answer["text"]
    assert await saved(desk, where) == defaults[where]

    # The admin adds one: the text comes as a reply to the prompt.
    prompt = await press_and_wait(desk, admin, screen, "Add", "send the new template")
    assert (prompt.get("reply_markup") or {}).get("force_reply")
    # A text that is not a reply to the prompt is not taken (nor sent anywhere).
    reminder = await ask(desk, admin, "Where is it?", "was not sent anywhere")
    too_long = "x" * (TEMPLATE_LIMIT + 1)
    refused = await ask(
        desk,
        admin,
        too_long,
        f"at most {TEMPLATE_LIMIT:,}",
        reply_to_message_id=prompt["message_id"],
    )
    assert f"{TEMPLATE_LIMIT + 1:,} characters" in _text(refused)
    assert await saved(desk, where) == defaults[where]
    # The state stays: a reply to the bot's last answer is taken too.
    new = "Hi[ {name}]! Order[ {order}] is on its way."
    added = await ask(
        desk, admin, new, "Template added by Olga", reply_to_message_id=reminder["message_id"]
    )
    assert f"3. {new}" in _text(added)
    assert await saved(desk, where) == [*defaults[where], new]

    # Edit it.
    prompt = await press_and_wait(desk, admin, added, "Edit 3", "send the new text of template 3")
    assert new in _text(prompt)
    edited = "Hello[ {name}]! Your order is coming."
    done = await ask(
        desk, admin, edited, "Template 3 changed by Olga", reply_to_message_id=prompt["message_id"]
    )
    assert f"3. {edited}" in _text(done)
    assert await saved(desk, where) == [*defaults[where], edited]

    # /cancel leaves the flow: a later reply to the prompt is not taken.
    prompt = await press_and_wait(desk, admin, done, "Add", "send the new template")
    cancelled = await ask(desk, admin, "/cancel", "Cancelled")
    # A group has no main menu: the reply says it and offers none.
    assert _text(cancelled) == "✖️ Cancelled." and not cancelled.get("reply_markup")
    await desk.client.send_text(
        desk.group_id, admin, "Too late", reply_to_message_id=prompt["message_id"]
    )
    await ask(desk, admin, "/templates", "reply templates")
    assert await saved(desk, where) == [*defaults[where], edited]

    # Delete asks first; "keep" keeps it.
    screen = await press_and_wait(desk, admin, done, "Back", "Pick a category")
    screen = await press_and_wait(desk, admin, screen, "Where is my order", "3 templates")
    answer = await alert(desk, await press(desk, member, screen, "Delete 3"))
    assert "Only the group's admins" in answer["text"]
    confirm = await press_and_wait(desk, admin, screen, "Delete 3", "Delete template 3")
    assert edited in _text(confirm)
    assert labels(confirm) == ["🗑 Yes, delete", "↩️ No, keep it"]
    answer = await alert(desk, await press(desk, member, confirm, "Yes, delete"))
    assert answer["show_alert"]
    kept = await press_and_wait(desk, admin, confirm, "keep it", "3 templates")
    assert await saved(desk, where) == [*defaults[where], edited]
    confirm = await press_and_wait(desk, admin, kept, "Delete 3", "Delete template 3")
    gone = await press_and_wait(desk, admin, confirm, "Yes, delete", "Template deleted by Olga")
    assert edited not in _text(gone)
    assert await saved(desk, where) == defaults[where]
    # The old confirmation finds nothing to delete.
    answer = await alert(desk, await press(desk, admin, confirm, "Yes, delete"))
    assert "not there any more" in answer["text"]


async def test_an_empty_text_is_refused_and_the_flow_stays(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    admin = desk.operator
    listing = await ask(desk, admin, "/templates", "reply templates")
    screen = await press_and_wait(desk, admin, listing, "Thanks", "Thanks")
    prompt = await press_and_wait(desk, admin, screen, "Add", "send the new template")
    # A sticker has no text: refused like an empty one.
    after = await screens.newest(desk.client, desk.group_id)
    await desk.client.send_message(
        desk.group_id,
        admin,
        reply_to_message_id=prompt["message_id"],
        sticker={"emoji": "🙂"},
    )
    refused = await bot_text(desk, desk.group_id, "can't be empty", after=after)
    added = await ask(
        desk, admin, "Thank you!", "Template added", reply_to_message_id=refused["message_id"]
    )
    assert "Thank you!" in _text(added)
    assert (await saved(desk, Intent.THANKS))[-1] == "Thank you!"


async def test_defaults_are_seeded_once_and_seller_options_change(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    admin, member = desk.operator, new_user(first_name="Ivan")
    await desk.client.add_member(desk.group_id, member)
    expected = sum(len(texts) for texts in default_templates("en").values())

    async with desk.harness.resources.session_factory() as session:
        first = await templates_of(session, desk.seller_id, "en")
        assert len(first) == expected
        assert [t.intent for t in first] == sorted(
            (t.intent for t in first), key=list(Intent).index
        )
        assert len(await templates_of(session, desk.seller_id, "en")) == expected
        for template in first:
            assert await delete_template(session, desk.seller_id, template.id)
        assert await templates_of(session, desk.seller_id, "en") == []
    assert (await seller_row(desk)).templates_seeded_at is not None
    listing = await ask(desk, member, "/templates", "reply templates")
    assert all(label.endswith("· 0") for label in labels(listing))
    empty = await press_and_wait(desk, member, listing, "Anything else", "no templates")
    assert labels(empty) == ["➕ Add", "⬅️ Back"]

    # /seller: auto suggestions and tone, for admins only.
    status = await ask(desk, member, "/seller", "Shop support: marketplaces")
    assert (
        "Suggestions: on request (💡 under buyer messages). Tone of AI drafts: friendly."
        in _text(status)
    )
    assert labels(status)[-2:] == ["💡 Auto suggestions: off", "🗣 Tone: friendly"]
    for label in ("Auto suggestions", "Tone"):
        answer = await alert(desk, await press(desk, member, status, label))
        assert answer["show_alert"] and "Only the group's admins" in answer["text"]
    seller = await seller_row(desk)
    assert (seller.auto_suggest, seller.reply_tone) == (False, "friendly")

    on = await press_and_wait(desk, admin, status, "Auto suggestions", "turned on by Olga")
    assert "Suggestions: by themselves, when buyers write" in _text(on)
    assert "💡 Auto suggestions: on" in labels(on)
    assert (await seller_row(desk)).auto_suggest
    # A press on the old screen sets what it showed, it does not flip twice.
    again = await press_and_wait(desk, admin, status, "Auto suggestions", "Auto suggestions")
    assert "Suggestions: by themselves, when buyers write" in _text(again)
    off = await press_and_wait(desk, admin, again, "Auto suggestions", "turned off by Olga")
    assert not (await seller_row(desk)).auto_suggest
    screen = off
    for tone in ("formal", "brief", "friendly"):
        screen = await press_and_wait(desk, admin, screen, "Tone", f"Tone set to {tone} by Olga")
        assert f"Tone of AI drafts: {tone}." in _text(screen)
        assert (await seller_row(desk)).reply_tone == tone

    # Outside a seller's group, and in private, /templates says where it works.
    other = await desk.client.create_forum(
        "Not a desk", members=[{"user": admin, "status": "creator"}]
    )
    await ask(desk, admin, "/templates", "not a seller's desk yet", chat_id=other["id"])
    await ask(desk, admin, "/templates", "works in your support team's group", chat_id=admin["id"])
