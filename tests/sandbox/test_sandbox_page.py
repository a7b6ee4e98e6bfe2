"""The chat page a newcomer finds their way in: whom it acts as (and a switch to the operator),
t.me start links, a favicon, names that fit the sidebar, and the bot's button answers shown in
the chat — all over HTTP, through the routes the page itself calls."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, InlineKeyboardButton
from aiogram.types import InlineKeyboardMarkup as Keyboard

from sandbox import SandboxClient, TelegramEmulator

NewUser = Callable[..., dict[str, Any]]
OPERATOR = {"id": 1000, "first_name": "Operator", "language_code": "en"}


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    async with http.request(method, url, json=body) as response:
        return response.status, await response.json()


async def page_html(http: aiohttp.ClientSession, base_url: str) -> str:
    async with http.get(f"{base_url}/") as response:
        assert response.status == 200
        return await response.text()


def page_script(html: str) -> str:
    match = re.search(r"<script>(.*)</script>", html, re.S)
    assert match, "the page's script"
    return match.group(1)


def page_style(html: str) -> str:
    match = re.search(r"<style>(.*)</style>", html, re.S)
    assert match, "the page's style sheet"
    return re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.S)


def css_rule(style: str, selector: str) -> str:
    """The declarations of the rule whose selector list contains ``selector``."""
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", style):
        if selector in [part.strip() for part in selectors.split(",")]:
            return body
    raise AssertionError(f"no CSS rule for {selector}")


async def start_chat(bot: Bot, http: aiohttp.ClientSession, api: str, user_id: int) -> int:
    """The page's user says /start (the bot cannot write first); → the next update id."""
    status, _ = await call(http, "POST", f"{api}/chats/{user_id}/messages", {"text": "/start"})
    assert status == 200
    [update] = await bot.get_updates(timeout=1)
    return update.update_id + 1


async def updates_text(bot: Bot, offset: int | None = None) -> list[tuple[int, str | None]]:
    updates = await bot.get_updates(offset=offset, timeout=1)
    return [
        (update.message.from_user.id if update.message.from_user else 0, update.message.text)
        for update in updates
        if update.message is not None
    ]


async def admin_group(client: SandboxClient, *members: dict[str, Any]) -> int:
    group = await client.create_group(
        "EasyFlow admins — a title long enough to need an ellipsis in the sidebar",
        members=[{"user": OPERATOR, "status": "creator"}, *members],
    )
    return int(group["id"])


# ------------------------------------------------------------------ identity
async def test_identity_reports_whom_the_page_acts_as(
    bot: Bot, http: aiohttp.ClientSession, base_url: str, new_user: NewUser
) -> None:
    api = f"{base_url}/sandbox/api"
    status, identity = await call(http, "GET", f"{api}/identity")
    assert status == 200 and identity["acting_as"] is None and identity["operator"] is None
    # Without an identity a call still needs "from".
    status, error = await call(http, "POST", f"{api}/chats/5/messages", {"text": "hi"})
    assert status == 400 and "from" in error["error"]

    user = new_user(first_name="Zoë")
    status, identity = await call(http, "PUT", f"{api}/identity", {"user": user})
    assert status == 200
    assert identity["acting_as"]["id"] == user["id"]
    assert identity["acting_as"]["first_name"] == "Zoë"
    status, identity = await call(http, "GET", f"{api}/identity")
    assert identity["acting_as"]["id"] == user["id"] and identity["previous"] is None
    assert not identity["is_operator"]
    assert {"role": "current", "user": identity["acting_as"]} in identity["identities"]
    me = await bot.get_me()
    assert identity["bot"]["username"] == me.username  # what the page's t.me links match

    # The page sends without "from": the message comes from whom it acts as.
    status, sent = await call(http, "POST", f"{api}/chats/{user['id']}/messages", {"text": "hi"})
    assert status == 200 and sent["message"]["from"]["id"] == user["id"]
    assert await updates_text(bot) == [(user["id"], "hi")]


async def test_one_click_to_the_operator_and_back(
    bot: Bot,
    http: aiohttp.ClientSession,
    base_url: str,
    client: SandboxClient,
    emulator: TelegramEmulator,
    new_user: NewUser,
) -> None:
    api = f"{base_url}/sandbox/api"
    user = new_user(first_name="Newcomer")
    colleague = new_user(first_name="Colleague")
    chat_id = await admin_group(client, {"user": colleague, "status": "administrator"})
    emulator.set_admin_group(chat_id)
    await call(http, "PUT", f"{api}/identity", {"user": user})

    status, identity = await call(http, "GET", f"{api}/identity")
    operator = identity["operator"]
    assert operator["user"]["id"] == OPERATOR["id"] and operator["status"] == "creator"
    assert operator["chat_id"] == chat_id and operator["chat_title"].startswith("EasyFlow admins")

    # Exactly what the page's operator button sends.
    html = await page_html(http, base_url)
    assert 'switchIdentity({ as: "operator" })' in html
    assert 'switchIdentity({ as: "previous" })' in html
    assert 'request("PUT", "/identity", body)' in html
    status, identity = await call(http, "PUT", f"{api}/identity", {"as": "operator"})
    assert status == 200 and identity["is_operator"]
    assert identity["acting_as"]["id"] == OPERATOR["id"]
    assert identity["previous"]["id"] == user["id"]

    status, sent = await call(http, "POST", f"{api}/chats/{chat_id}/messages", {"text": "/price"})
    assert status == 200 and sent["message"]["from"]["id"] == OPERATOR["id"]
    status, _ = await call(
        http,
        "POST",
        f"{api}/chats/{chat_id}/callbacks",
        {"message_id": sent["message"]["message_id"], "data": "x"},
    )
    assert status == 200
    updates = await bot.get_updates(timeout=1)
    [message] = [update.message for update in updates if update.message]
    [callback] = [update.callback_query for update in updates if update.callback_query]
    assert message.from_user and message.from_user.id == OPERATOR["id"]
    assert callback.from_user.id == OPERATOR["id"]

    # And back to whom the page was before.
    status, identity = await call(http, "PUT", f"{api}/identity", {"as": "previous"})
    assert status == 200 and identity["acting_as"]["id"] == user["id"]
    assert identity["previous"]["id"] == OPERATOR["id"] and not identity["is_operator"]
    status, sent = await call(http, "POST", f"{api}/chats/{user['id']}/messages", {"text": "hey"})
    assert sent["message"]["from"]["id"] == user["id"]
    assert await updates_text(bot, updates[-1].update_id + 1) == [(user["id"], "hey")]

    # Any known user by id; a bot or a stranger is refused.
    status, identity = await call(http, "PUT", f"{api}/identity", {"user_id": colleague["id"]})
    assert status == 200 and identity["acting_as"]["first_name"] == "Colleague"
    status, _ = await call(http, "PUT", f"{api}/identity", {"user_id": 424242})
    assert status == 404
    status, _ = await call(http, "PUT", f"{api}/identity", {"as": "someone"})
    assert status == 400


async def test_operator_of_the_group_the_bot_made_its_admin_menu_for(
    bot: Bot, http: aiohttp.ClientSession, base_url: str, client: SandboxClient, new_user: NewUser
) -> None:
    """How `make run` sets the sandbox up: the operator a plain member of the admin group,
    which the bot gives a command menu of its own."""
    api = f"{base_url}/sandbox/api"
    await call(http, "PUT", f"{api}/identity", {"user": new_user()})
    await client.create_group("Some other group", members=[new_user()])
    status, _ = await call(http, "PUT", f"{api}/identity", {"as": "operator"})
    assert status == 400  # no admin group yet
    group = await client.create_group("EasyFlow admins", members=[OPERATOR])
    commands = [BotCommand(command="price", description="Prices")]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=group["id"]))

    status, identity = await call(http, "PUT", f"{api}/identity", {"as": "operator"})
    assert status == 200 and identity["acting_as"]["id"] == OPERATOR["id"]
    assert identity["operator"]["chat_id"] == group["id"]
    assert identity["operator"]["status"] == "member"


# ------------------------------------------------------------------- favicon
async def test_the_page_has_a_favicon(http: aiohttp.ClientSession, base_url: str) -> None:
    html = await page_html(http, base_url)
    match = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html)
    assert match, "the page names its icon"
    for path in (match.group(1), "/favicon.ico"):
        async with http.get(f"{base_url}{path}") as response:
            assert response.status == 200, path
            assert response.content_type == "image/svg+xml"
            assert (await response.text()).lstrip().startswith("<svg")


# ------------------------------------------------------------- t.me links
async def test_a_start_link_to_the_bot_sends_start_in_its_private_chat(
    bot: Bot, http: aiohttp.ClientSession, base_url: str, new_user: NewUser
) -> None:
    api = f"{base_url}/sandbox/api"
    user = new_user()
    await call(http, "PUT", f"{api}/identity", {"user": user})
    username = (await bot.get_me()).username
    assert username
    offset = await start_chat(bot, http, api, user["id"])
    share = f"https://t.me/{username}?start=r_Ab-9"
    await bot.send_message(user["id"], f"Anyone with this link sees the summary: {share}")

    status, opened = await call(http, "POST", f"{api}/links/open", {"url": share})
    assert status == 200 and opened["handled"] and opened["chat_id"] == user["id"]
    assert opened["start"] == "r_Ab-9"
    assert opened["message"]["text"] == "/start r_Ab-9"
    assert opened["message"]["from"]["id"] == user["id"]
    [update] = await bot.get_updates(offset=offset, timeout=1)
    assert update.message and update.message.text == "/start r_Ab-9"
    assert update.message.entities and update.message.entities[0].type == "bot_command"

    # Other spellings of the same link, as Telegram's apps take them.
    for url, text in (
        (f"t.me/{username.upper()}?start=x1", "/start x1"),
        (f"tg://resolve?domain={username}&start=x2", "/start x2"),
        (f"https://telegram.me/{username}?start=bad%20payload", "/start"),
    ):
        status, opened = await call(http, "POST", f"{api}/links/open", {"url": url})
        assert opened["handled"] and opened["message"]["text"] == text, url
    # The bot's own chat without a parameter, once there is a conversation: just opened.
    status, opened = await call(http, "POST", f"{api}/links/open", {"url": f"t.me/{username}"})
    assert opened["handled"] and opened["message"] is None

    for url in (
        "https://t.me/some_other_bot?start=r_1",
        f"https://t.me/{username}?startgroup=connect",
        f"https://t.me/{username}/app?startapp=1",
        "https://example.com/?start=1",
    ):
        status, opened = await call(http, "POST", f"{api}/links/open", {"url": url})
        assert status == 200 and opened == {"handled": False, "url": url}, url
    texts = [u.message.text for u in await bot.get_updates(offset=update.update_id + 1, timeout=0)]
    assert texts == ["/start x1", "/start x2", "/start"]


async def test_the_page_script_routes_start_links_to_the_sandbox(
    http: aiohttp.ClientSession, base_url: str
) -> None:
    script = page_script(await page_html(http, base_url))
    # Clicks on links (and URL buttons) to the bot go to the sandbox, not to t.me.
    assert 'document.addEventListener("click"' in script
    assert 'request("POST", "/links/open"' in script
    assert "if (button.url) { openUrl(button.url); return; }" in script
    assert "state.botUsername = identity.bot.username" in script
    # Bare URLs in the bot's text are links (share links come as plain text).
    assert "linkified(" in script and "URL_PATTERN" in script

    node = shutil.which("node")
    if node is None:
        pytest.skip("node runs the page's link parser")
    parser = re.search(
        r"const TELEGRAM_HOSTS = .*?\nfunction startPayload\(href\) \{.*?\n\}\n", script, re.S
    )
    assert parser, "startPayload() in the page"
    cases = [
        "https://t.me/easyflow_sandbox_bot?start=r_abc",
        "t.me/EasyFlow_Sandbox_Bot?start=x",
        "tg://resolve?domain=easyflow_sandbox_bot&start=y",
        "https://t.me/easyflow_sandbox_bot",
        "https://t.me/other_bot?start=r_abc",
        "https://t.me/easyflow_sandbox_bot?startgroup=1",
        "https://example.com/easyflow_sandbox_bot?start=1",
    ]
    program = (
        'const state = { botUsername: "easyflow_sandbox_bot" };\n'
        + parser.group(0)
        + f"console.log(JSON.stringify({json.dumps(cases)}.map(startPayload)));\n"
    )
    result = await asyncio.to_thread(
        subprocess.run, [node, "-e", program], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["r_abc", "x", "y", "", None, None, None]


# ------------------------------------------------------- answers to buttons
async def test_an_alert_answer_is_a_notice_in_the_chat_not_a_browser_alert(
    bot: Bot,
    http: aiohttp.ClientSession,
    base_url: str,
    emulator: TelegramEmulator,
    new_user: NewUser,
) -> None:
    api = f"{base_url}/sandbox/api"
    user = new_user()
    await call(http, "PUT", f"{api}/identity", {"user": user})
    offset = await start_chat(bot, http, api, user["id"])
    keyboard = Keyboard(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="q1:a")]])
    question = await bot.send_message(user["id"], "Old question", reply_markup=keyboard)
    messages_url = f"{api}/chats/{user['id']}/messages"

    async def press() -> str:
        status, _ = await call(
            http,
            "POST",
            f"{api}/chats/{user['id']}/callbacks",
            {"message_id": question.message_id, "data": "q1:a"},
        )
        assert status == 200
        [update] = await bot.get_updates(offset=offset, timeout=1)
        await bot.get_updates(offset=update.update_id + 1, timeout=0)  # confirmed
        assert update.callback_query and update.callback_query.from_user.id == user["id"]
        return update.callback_query.id

    # The page long-polls the chat; the answer wakes it with the notice in the view.
    status, view = await call(http, "GET", messages_url)
    assert view["notices"] == []
    query_id = await press()
    poll = asyncio.create_task(
        call(http, "GET", f"{messages_url}?after=0&version={view['version']}&wait=10")
    )
    await asyncio.sleep(0.2)
    assert not poll.done()
    await bot.answer_callback_query(query_id, text="This question is closed.", show_alert=True)
    status, view = await asyncio.wait_for(poll, 5)
    [notice] = view["notices"]
    assert notice["kind"] == "alert" and notice["show_alert"]
    assert notice["text"] == "This question is closed."
    assert notice["user_id"] == user["id"] and notice["message_id"] == question.message_id

    # A popup stays until it is dismissed (what the page's OK does); a toast fades by itself.
    query_id = await press()
    await bot.answer_callback_query(query_id, text="Saved")
    status, view = await call(http, "GET", messages_url)
    assert [(n["kind"], n["text"]) for n in view["notices"]] == [
        ("alert", "This question is closed."),
        ("toast", "Saved"),
    ]
    for stored in emulator.world.bots[bot.id].chats[user["id"]].notices:
        stored.date -= 60
    status, view = await call(http, "GET", messages_url)
    assert [n["kind"] for n in view["notices"]] == ["alert"]
    dismiss_url = f"{api}/chats/{user['id']}/notices/{notice['notice_id']}"
    status, dismissed = await call(http, "DELETE", dismiss_url)
    assert status == 200 and dismissed["dismissed"]["notice_id"] == notice["notice_id"]
    status, view = await call(http, "GET", messages_url)
    assert view["notices"] == []
    status, _ = await call(http, "DELETE", dismiss_url)
    assert status == 404

    # An answer without text shows nothing.
    query_id = await press()
    await bot.answer_callback_query(query_id)
    status, view = await call(http, "GET", messages_url)
    assert view["notices"] == []


async def test_the_page_shows_answers_in_the_chat_pane(
    http: aiohttp.ClientSession, base_url: str
) -> None:
    html = await page_html(http, base_url)
    script = page_script(html)
    assert not re.search(r"(?<![\w$.])alert\s*\(|window\.alert|\.alert\s*\(", script)
    assert "renderNotices(view.notices" in script
    assert "/notices/${notice.notice_id}`" in script  # OK dismisses it in the sandbox
    main = html[html.index('<main id="main">') : html.index("</main>")]
    assert 'id="popup"' in main and 'id="popup-ok"' in main and 'id="toast"' in main


# ------------------------------------------------------------------- sidebar
async def test_long_names_do_not_spill_out_of_the_sidebar(
    http: aiohttp.ClientSession, base_url: str
) -> None:
    style = page_style(await page_html(http, base_url))
    sidebar = css_rule(style, "#sidebar")
    assert "width: 300px" in sidebar and "flex: none" in sidebar and "min-width: 0" in sidebar
    for selector in (".chat-item .name", ".chat-item .sub", ".ellipsis", "#header .title"):
        rule = css_rule(style, selector)
        for declaration in ("white-space: nowrap", "overflow: hidden", "text-overflow: ellipsis"):
            assert declaration in rule, (selector, declaration)
    assert "min-width: 0" in css_rule(style, "#acting .who")
    assert "minmax(0, 1fr)" in css_rule(style, "#me-form")


async def test_the_page_shows_the_price_the_view_formats(
    http: aiohttp.ClientSession, base_url: str
) -> None:
    script = page_script(await page_html(http, base_url))
    assert "invoice.price_text" in script and "payment.price_text" in script
    assert ".currency}" not in script  # no "50 XTR" built in the page
