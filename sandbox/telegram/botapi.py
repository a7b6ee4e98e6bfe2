"""Bot API method handlers: ``/bot<token>/<method>`` validated against the spec, stateful."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.telegram.formatting import parse_text
from sandbox.telegram.limits import (
    COUNTED_IN_GROUPS,
    Admission,
    RateLimiter,
    RateLimits,
    is_counted,
)
from sandbox.telegram.media import TIMED_KINDS, image_size, media_duration, whole_seconds
from sandbox.telegram.render import bot_member, chat_member, message_to_api
from sandbox.telegram.spec import (
    ApiError,
    BotApiSpec,
    FileReference,
    UploadedFile,
    bad_request,
    length_error,
    too_many_requests,
)
from sandbox.telegram.state import (
    BotState,
    CallbackRecord,
    Chat,
    ForumTopic,
    StoredFile,
    StoredMessage,
    WebhookConfig,
    World,
    now,
)

TOKEN_PATTERN = re.compile(r"^(\d+):[\w-]+$")
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
DEFAULT_TOPIC_COLOR = 7322096
TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})
SUBSCRIPTION_PERIOD_SECONDS = 2592000
WEBHOOK_RETRY_DELAYS = (0.1, 0.3, 1.0)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendVideoNote": "video_note",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
        # Older names Telegram still accepts for voice notes.
        "record_audio",
        "upload_audio",
    }
)
DEFAULT_MIME_TYPES = {"voice": "audio/ogg", "photo": "image/jpeg", "video_note": "video/mp4"}


@dataclass
class Call:
    bot: BotState
    method: str
    params: dict[str, Any]
    uploads: dict[str, UploadedFile]
    # Tells a long poll that its HTTP client went away (aiohttp keeps the handler running).
    client_gone: Callable[[], bool] = lambda: False


Handler = Callable[[Call], Awaitable[Any]]


def thread_of_reply(chat: Chat, thread_id: int | None, reply_to: int | None) -> int | None:
    """The thread a message goes to: the given one, else (in forums) the replied message's."""
    if thread_id is None and reply_to is not None and chat.is_forum:
        thread_id = chat.messages[reply_to].message_thread_id
    return thread_id


def describe_params(params: dict[str, Any], uploads: dict[str, UploadedFile]) -> dict[str, Any]:
    """Request parameters for the log, with file contents replaced by a description."""

    def describe(upload: UploadedFile) -> str:
        return f"<file {upload.filename!r}, {len(upload.data)} bytes, {upload.content_type}>"

    described: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            described[name] = describe(upload) if upload else value
        else:
            described[name] = value
    for name, upload in uploads.items():
        if f"attach://{name}" not in params.values():
            described[name] = describe(upload)
    return described


async def read_request_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collects parameters from the query string and a JSON / urlencoded / multipart body."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, uploads
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        params.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                uploads[part.name] = UploadedFile(
                    filename=part.filename,
                    content_type=part.headers.get(aiohttp.hdrs.CONTENT_TYPE),
                    data=bytes(await part.read()),
                )
            else:
                params[part.name] = await part.text()
    else:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params, uploads


class BotApi:
    """Implements the Bot API methods on top of :class:`World`."""

    def __init__(
        self, world: World, spec: BotApiSpec, rate_limits: RateLimits | None = None
    ) -> None:
        self.world = world
        self.spec = spec
        self.limiter = RateLimiter(rate_limits)
        # The emoji a ReactionTypeEmoji may carry, as the spec lists them.
        emoji_field = spec.types["ReactionTypeEmoji"].fields["emoji"]
        self.reaction_emoji = frozenset(re.findall(r'"([^"]+)"', emoji_field.description))
        self.http: aiohttp.ClientSession | None = None  # set by the server for webhooks
        self.stopping = asyncio.Event()
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.accept,
            "close": self.accept,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "sendMediaGroup": self.send_media_group,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getChatMemberCount": self.get_chat_member_count,
            "createForumTopic": self.create_forum_topic,
            "editForumTopic": self.edit_forum_topic,
            "closeForumTopic": self.close_forum_topic,
            "reopenForumTopic": self.reopen_forum_topic,
            "deleteForumTopic": self.delete_forum_topic,
            "setMessageReaction": self.set_message_reaction,
            "sendInvoice": self.send_invoice,
            "createInvoiceLink": self.create_invoice_link,
            "answerPreCheckoutQuery": self.answer_pre_checkout_query,
            "refundStarPayment": self.refund_star_payment,
            "editUserStarSubscription": self.edit_user_star_subscription,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "pinChatMessage": self.pin_chat_message,
            "unpinChatMessage": self.accept,
            "unpinAllChatMessages": self.accept,
        }
        for method in MEDIA_METHODS:
            self.handlers[method] = self.send_media

    # ------------------------------------------------------------- HTTP entry
    def _authorized_bot_id(self, token: str) -> int | None:
        """The bot id of a well-formed token, unless the bot is known with another secret
        (Telegram refuses both the same way); None means 401."""
        token_match = TOKEN_PATTERN.match(token)
        if token_match is None:
            return None
        bot_id = int(token_match[1])
        known = self.world.bots.get(bot_id)
        if known is not None and known.token is not None and known.token != token:
            return None
        return bot_id

    async def handle_http(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        bot_id = self._authorized_bot_id(token)
        if bot_id is None:
            return web.json_response(ApiError(401, "Unauthorized").to_response(), status=401)
        bot = self.world.bot_for_api(bot_id, token)
        try:
            params, uploads = await read_request_params(request)
        except ApiError as error:
            return web.json_response(error.to_response(), status=error.error_code)

        def client_gone() -> bool:
            return request.transport is None or request.transport.is_closing()

        status, body = await self.call(
            bot, request.match_info["method"], params, uploads, client_gone
        )
        return web.json_response(body, status=status)

    async def call(
        self,
        bot: BotState,
        method_name: str,
        params: dict[str, Any],
        uploads: dict[str, UploadedFile] | None = None,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> tuple[int, dict[str, Any]]:
        """Runs one Bot API call and logs it; returns (HTTP status, response body)."""
        uploads = uploads or {}
        started = time.monotonic()
        method = self.spec.canonical_method(method_name)
        warnings: list[str] = []
        try:
            if method is None:
                raise ApiError(404, "Not Found")
            warnings = [
                f'unknown parameter "{name}" ignored'
                for name in self.spec.unknown_parameters(method, params)
            ]
            await self._apply_fault(method)
            validated = self.spec.validate_request(method, params, uploads)
            handler = self.handlers.get(method, self.unsupported)
            admission = self._admit(bot, method, validated)
            try:
                result = await handler(Call(bot, method, validated, uploads, client_gone))
            except BaseException:
                if admission is not None:
                    self.limiter.release(admission)  # failed calls use no budget
                raise
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.error_code, error.to_response()
        self.world.log_request(
            {
                "bot_id": bot.bot_id,
                "method": method or method_name,
                "params": describe_params(params, uploads),
                "ok": body["ok"],
                "error_code": body.get("error_code"),
                "description": body.get("description"),
                "warnings": warnings,
                "duration": round(time.monotonic() - started, 4),
            }
        )
        return status, body

    def _admit(self, bot: BotState, method: str, params: dict[str, Any]) -> Admission | None:
        """Applies the sending limits (see :mod:`sandbox.telegram.limits`) to a valid call.

        The checks that do not depend on the budget (unknown chat, bot blocked or removed,
        missing topic) come first, so a call that would fail anyway gets its own error.
        """
        if self.limiter.limits is None or params.get("chat_id") is None:
            return None
        try:
            chat = self.resolve_chat(bot, params["chat_id"])
        except ApiError:
            return None  # the handler answers "chat not found"
        if not is_counted(method, chat.id):
            return None
        if method not in COUNTED_IN_GROUPS:
            self.ensure_can_write(bot, chat)
            self.resolve_thread(bot, chat, params.get("message_thread_id"))
        admission = self.limiter.admit(bot.bot_id, chat.id)
        if isinstance(admission, int):
            raise too_many_requests(admission)
        return admission

    async def _apply_fault(self, method: str) -> None:
        fault = self.world.take_fault(method)
        if fault is None:
            return
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind == "502":
            raise ApiError(502, "Bad Gateway")
        raise ApiError(500, "Internal Server Error")

    async def handle_file_download(self, request: web.Request) -> web.StreamResponse:
        if self._authorized_bot_id(request.match_info["token"]) is None:
            return web.json_response(ApiError(401, "Unauthorized").to_response(), status=401)
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_response(), status=404)
        return file_response(stored)

    # ---------------------------------------------------------------- helpers
    def resolve_chat(self, bot: BotState, chat_id: Any) -> Chat:
        if isinstance(chat_id, str) and not re.fullmatch(r"-?\d+", chat_id):
            username = chat_id.removeprefix("@").lower()
            for chat in bot.chats.values():
                if chat.username and chat.username.lower() == username:
                    return chat
            raise bad_request("chat not found")
        chat = bot.chats.get(int(chat_id))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def ensure_can_write(self, bot: BotState, chat: Chat) -> None:
        if chat.type == "private" and chat.id in self.world.deleted_users:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.type == "private" and chat.id in bot.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private":
            kind = "supergroup" if chat.type == "supergroup" else "group"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            if chat.bot_status == "left":
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    @staticmethod
    def manages_topics(chat: Chat) -> bool:
        """Whether the bot may create, edit, close and reopen topics (and write in closed ones)."""
        return chat.bot_status == "creator" or (
            chat.bot_status == "administrator" and chat.bot_can_manage_topics
        )

    def resolve_thread(self, bot: BotState, chat: Chat, thread_id: int | None) -> int | None:
        if thread_id is None or not chat.is_forum:
            # Outside forums Telegram ignores the thread of a reply chain for plain sends.
            return thread_id if chat.is_forum else None
        if thread_id == 1:  # the "General" topic
            return None
        topic = chat.topics.get(thread_id)
        if topic is None or topic.is_deleted:
            raise bad_request("message thread not found")
        if topic.is_closed and not self.manages_topics(chat):
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    def find_own_message(self, chat: Chat, message_id: int, not_found: str) -> StoredMessage:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(not_found)
        return message

    def check_text_length(self, method: str, name: str, text: str) -> None:
        field_spec = self.spec.field(method, name)
        if field_spec is None or field_spec.length is None:
            return
        kind = field_spec.length.violation(text)
        if kind:
            raise length_error(method, field_spec, kind)

    def add_bot_message(self, call: Call, chat: Chat, **content: Any) -> StoredMessage:
        params = call.params
        reply_to = self._reply_target(chat, params)
        thread_id = self.resolve_thread(
            call.bot, chat, thread_of_reply(chat, params.get("message_thread_id"), reply_to)
        )
        markup = params.get("reply_markup")
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat_id=chat.id,
            sender=call.bot.user,
            from_bot=True,
            date=now(),
            message_thread_id=thread_id,
            reply_to_message_id=reply_to,
            reply_markup=markup,
            **content,
        )
        if markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        chat.messages[message.message_id] = message
        chat.chat_action = None  # sending a message ends the "typing…" status
        self.world.changed.notify()
        return message

    @staticmethod
    def _reply_target(chat: Chat, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id") or params.get("reply_to_message_id")
        if target is None:
            return None
        target = int(target)
        existing = chat.messages.get(target)
        if existing is None or existing.deleted:
            allow = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ) in {True, "true", "True", "1"}
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return target

    def parse_formatted(
        self, call: Call, field_name: str, mode_field: str
    ) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        """Returns (visible text, raw text, entities) of a text/caption parameter."""
        raw = call.params.get(field_name)
        if raw is None:
            return None, None, []
        entities_field = "entities" if field_name == "text" else "caption_entities"
        if call.params.get(entities_field):
            visible, entities = raw, call.params[entities_field]
        else:
            visible, entities = parse_text(raw, call.params.get(mode_field))
        self.check_text_length(call.method, field_name, visible)
        return visible, raw, entities

    # ----------------------------------------------------------------- basics
    async def accept(self, call: Call) -> bool:
        return True

    async def unsupported(self, call: Call) -> Any:
        if self.spec.methods[call.method].returns == ("Boolean",):
            return True
        raise ApiError(501, f"Not Implemented: {call.method} is not supported by the sandbox")

    async def get_me(self, call: Call) -> dict[str, Any]:
        return {
            **call.bot.user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ---------------------------------------------------------------- updates
    async def get_updates(self, call: Call) -> list[dict[str, Any]]:
        bot = call.bot
        if bot.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        if "allowed_updates" in params:
            bot.allowed_updates = params["allowed_updates"] or None
        if "offset" in params:
            bot.confirm_updates(params["offset"])
        limit = max(1, min(100, params.get("limit", 100)))
        deadline = time.monotonic() + max(0, params.get("timeout", 0))
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.updates_changed.notify()  # wakes an older poll so it can end
        while True:
            pending = bot.pending_updates()
            if pending or self.stopping.is_set():
                return pending[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await bot.updates_changed.wait(remaining)
            if call.client_gone():
                return []  # nobody will read it; keep the updates for the next poll
            if bot.poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )

    async def set_webhook(self, call: Call) -> bool:
        bot, params = call.bot, call.params
        url = params.get("url", "")
        if params.get("drop_pending_updates"):
            bot.updates.clear()
        if not url:
            self._stop_webhook(bot)
            return True
        if not re.match(r"^https?://", url):
            raise bad_request("bad webhook: invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self._stop_webhook(bot)
        bot.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            allowed_updates=params.get("allowed_updates"),
            max_connections=params.get("max_connections", 40),
        )
        if "allowed_updates" in params:
            bot.allowed_updates = params["allowed_updates"] or None
        bot.webhook_task = asyncio.create_task(self._deliver_webhook_updates(bot))
        bot.updates_changed.notify()  # wake any long poll so it sees the conflict
        return True

    async def delete_webhook(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            call.bot.updates.clear()
        self._stop_webhook(call.bot)
        return True

    @staticmethod
    def _stop_webhook(bot: BotState) -> None:
        bot.webhook = None
        if bot.webhook_task is not None:
            bot.webhook_task.cancel()
            bot.webhook_task = None

    async def get_webhook_info(self, call: Call) -> dict[str, Any]:
        webhook = call.bot.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(call.bot.pending_updates()),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.allowed_updates:
                info["allowed_updates"] = webhook.allowed_updates
            if webhook.last_error_date:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        return info

    async def _deliver_webhook_updates(self, bot: BotState) -> None:
        """Posts pending updates to the webhook in order, retrying a few times each."""
        while bot.webhook is not None and not self.stopping.is_set():
            pending = bot.pending_updates()
            if not pending:
                await bot.updates_changed.wait(1.0)
                continue
            update = pending[0]
            await self._post_update(bot, bot.webhook, update)
            # Telegram retries forever; the sandbox gives up after a few tries so that a
            # broken receiver cannot stall a test run. The result is in webhook_deliveries.
            bot.confirm_updates(update["update_id"] + 1)

    async def _post_update(
        self, bot: BotState, webhook: WebhookConfig, update: dict[str, Any]
    ) -> bool:
        assert self.http is not None
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        error = ""
        for attempt, retry_delay in enumerate(WEBHOOK_RETRY_DELAYS, start=1):
            try:
                async with self.http.post(
                    webhook.url,
                    data=json.dumps(update),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as response:
                    body = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                error, status, body = f"{type(exc).__name__}: {exc}", None, b""
            if status is not None and 200 <= status < 300:
                bot.webhook_deliveries.append(
                    {
                        "update_id": update["update_id"],
                        "ok": True,
                        "status": status,
                        "attempts": attempt,
                        "time": time.time(),
                    }
                )
                await self._run_webhook_reply(bot, body)
                return True
            if status is not None:
                error = f"Wrong response from the webhook: {status}"
            webhook.last_error_date, webhook.last_error_message = now(), error
            await asyncio.sleep(retry_delay)
        bot.webhook_deliveries.append(
            {
                "update_id": update["update_id"],
                "ok": False,
                "error": error,
                "attempts": len(WEBHOOK_RETRY_DELAYS),
                "time": time.time(),
            }
        )
        return False

    async def _run_webhook_reply(self, bot: BotState, body: bytes) -> None:
        """A webhook response may itself be a Bot API call (``{"method": ...}``)."""
        if not body:
            return
        try:
            reply = json.loads(body)
        except ValueError:
            return
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            params = {key: value for key, value in reply.items() if key != "method"}
            await self.call(bot, reply["method"], params)

    # --------------------------------------------------------------- messages
    async def send_message(self, call: Call) -> dict[str, Any]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        text, raw, entities = self.parse_formatted(call, "text", "parse_mode")
        message = self.add_bot_message(
            call,
            chat,
            text=text,
            raw_text=raw,
            entities=entities,
            parse_mode=call.params.get("parse_mode"),
        )
        return message_to_api(chat, message)

    def _editable_message(self, call: Call) -> tuple[Chat, StoredMessage]:
        params = call.params
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the sandbox")
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("chat_id and message_id are required")
        chat = self.resolve_chat(call.bot, params["chat_id"])
        message = self.find_own_message(chat, params["message_id"], "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _finish_edit(
        self, chat: Chat, message: StoredMessage, before: tuple[Any, ...]
    ) -> dict[str, Any]:
        if message.content_signature() == before:
            raise bad_request(NOT_MODIFIED)
        message.edit_date = now()
        self.world.changed.notify()
        return message_to_api(chat, message)

    async def edit_message_text(self, call: Call) -> dict[str, Any]:
        chat, message = self._editable_message(call)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, raw, entities = self.parse_formatted(call, "text", "parse_mode")
        candidate = (text, message.caption, call.params.get("reply_markup"))
        if candidate == message.content_signature():
            raise bad_request(NOT_MODIFIED)
        before = message.content_signature()
        message.text, message.raw_text, message.entities = text, raw, entities
        message.parse_mode = call.params.get("parse_mode")
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.reply_markup = call.params.get("reply_markup")
        return self._finish_edit(chat, message, before)

    async def edit_message_caption(self, call: Call) -> dict[str, Any]:
        chat, message = self._editable_message(call)
        if message.media is None and message.invoice is None:
            raise bad_request("there is no caption in the message to edit")
        caption, raw, entities = self.parse_formatted(call, "caption", "parse_mode")
        before = message.content_signature()
        message.caption, message.raw_caption, message.caption_entities = caption, raw, entities
        message.reply_markup = call.params.get("reply_markup")
        return self._finish_edit(chat, message, before)

    async def edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        chat, message = self._editable_message(call)
        before = message.content_signature()
        message.reply_markup = call.params.get("reply_markup")
        return self._finish_edit(chat, message, before)

    async def delete_message(self, call: Call) -> bool:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        message = self.find_own_message(
            chat, call.params["message_id"], "message to delete not found"
        )
        message.deleted = True
        self.world.changed.notify()
        return True

    async def delete_messages(self, call: Call) -> bool:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        ids = call.params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            message = chat.messages.get(message_id)
            if message is not None:
                message.deleted = True
        self.world.changed.notify()
        return True

    async def answer_callback_query(self, call: Call) -> bool:
        record: CallbackRecord | None = call.bot.callbacks.get(call.params["callback_query_id"])
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        record.answered = True
        record.text = call.params.get("text")
        record.show_alert = bool(call.params.get("show_alert", False))
        record.url = call.params.get("url")
        record.answered_event.set()
        chat = call.bot.chats.get(record.chat_id)
        if record.text and chat is not None:
            # The chat page shows it in the chat, as the Telegram app does: a toast or a popup.
            self.world.add_notice(chat, record)
        self.world.changed.notify()
        return True

    async def send_chat_action(self, call: Call) -> bool:
        if call.params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        thread = self.resolve_thread(call.bot, chat, call.params.get("message_thread_id"))
        chat.chat_action = (call.params["action"], time.time(), thread)
        self.world.changed.notify()
        return True

    async def copy_message(self, call: Call) -> dict[str, Any]:
        source = self._source_message(call)
        target_chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, target_chat)
        caption = call.params.get("caption", source.caption)
        copy = self.add_bot_message(
            call,
            target_chat,
            text=source.text,
            raw_text=source.raw_text,
            entities=source.entities,
            caption=caption,
            media=dict(source.media) if source.media else None,
        )
        return {"message_id": copy.message_id}

    async def forward_message(self, call: Call) -> dict[str, Any]:
        source = self._source_message(call)
        target_chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, target_chat)
        origin: dict[str, Any] = (
            # A post of an anonymous administrator is forwarded as the group's.
            {"type": "chat", "date": source.date, "sender_chat": source.sender_chat}
            if source.sender_chat is not None
            else {"type": "user", "date": source.date, "sender_user": source.sender}
        )
        forwarded = self.add_bot_message(
            call,
            target_chat,
            text=source.text,
            raw_text=source.raw_text,
            entities=source.entities,
            caption=source.caption,
            media=dict(source.media) if source.media else None,
            forward_origin=origin,
        )
        return message_to_api(target_chat, forwarded)

    def _source_message(self, call: Call) -> StoredMessage:
        source_chat = self.resolve_chat(call.bot, call.params["from_chat_id"])
        message = source_chat.messages.get(call.params["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to copy not found")
        return message

    async def pin_chat_message(self, call: Call) -> bool:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.find_own_message(chat, call.params["message_id"], "message to pin not found")
        chat.pinned_message_id = call.params["message_id"]
        return True

    # ------------------------------------------------------------------ media
    def resolve_file(self, reference: FileReference | str, kind: str) -> StoredFile:
        if isinstance(reference, str):
            reference = FileReference(file_id_or_url=reference)
        if reference.upload is not None:
            upload = reference.upload
            mime_type = upload.content_type
            if not mime_type or mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(upload.filename)[0] or DEFAULT_MIME_TYPES.get(
                    kind, mime_type
                )
            return self.world.store_file(kind, upload.data, upload.filename, mime_type)
        value = reference.file_id_or_url or ""
        if value.startswith("attach://"):
            raise bad_request(f"file {value} not found in the request")
        if re.match(r"^https?://", value):
            name = value.rsplit("/", 1)[-1] or None
            return self.world.store_file(
                kind, b"", name, mimetypes.guess_type(value)[0], source_url=value
            )
        stored = self.world.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    def _media_description(
        self, stored: StoredFile, kind: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        media: dict[str, Any] = {
            "kind": kind,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
        }
        for key in ("duration", "width", "height", "emoji"):
            if params.get(key) is not None:
                media[key] = params[key]
        if kind == "photo":
            size = image_size(stored.data)
            if size is not None:  # Telegram measures the image itself
                width, height = size
                if width + height > 10000 or max(width, height) > 20 * max(1, min(size)):
                    raise bad_request("PHOTO_INVALID_DIMENSIONS")
                media["width"], media["height"] = width, height
        return media

    @staticmethod
    async def _fill_duration(media: dict[str, Any], stored: StoredFile) -> None:
        """Like Telegram, measures a voice/audio/video note's duration when none was given."""
        if media["kind"] not in TIMED_KINDS or media.get("duration") is not None:
            return
        if stored.duration is None and stored.data:
            measured = await media_duration(stored.data)
            if measured is not None:
                stored.duration = whole_seconds(measured)
        if stored.duration is not None:
            media["duration"] = stored.duration

    async def send_media(self, call: Call) -> dict[str, Any]:
        kind = MEDIA_METHODS[call.method]
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        stored = self.resolve_file(call.params[kind], kind)
        caption, raw, entities = self.parse_formatted(call, "caption", "parse_mode")
        media = self._media_description(stored, kind, call.params)
        await self._fill_duration(media, stored)
        message = self.add_bot_message(
            call,
            chat,
            media=media,
            caption=caption,
            raw_caption=raw,
            caption_entities=entities,
            parse_mode=call.params.get("parse_mode"),
        )
        return message_to_api(chat, message)

    async def send_media_group(self, call: Call) -> list[dict[str, Any]]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        items = call.params["media"]
        if not 2 <= len(items) <= 10:
            raise bad_request("media group must contain 2-10 items")
        group_id = str(secrets.randbelow(10**18))
        sent = []
        for item in items:
            kind = item["type"]
            reference: FileReference | str = item["media"]
            if isinstance(reference, str) and reference.startswith("attach://"):
                upload = call.uploads.get(reference.removeprefix("attach://"))
                if upload is not None:
                    reference = FileReference(upload=upload)
            stored = self.resolve_file(reference, kind)
            media = self._media_description(stored, kind, item)
            await self._fill_duration(media, stored)
            media["media_group_id"] = group_id
            caption_text = item.get("caption")
            caption = parse_text(caption_text, item.get("parse_mode"))[0] if caption_text else None
            message = self.add_bot_message(call, chat, media=media, caption=caption)
            sent.append(message_to_api(chat, message))
        return sent

    async def get_file(self, call: Call) -> dict[str, Any]:
        stored = self.world.files.get(call.params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------- commands & menu
    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    async def set_my_commands(self, call: Call) -> bool:
        commands = call.params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
        call.bot.commands[self._scope_key(call.params)] = commands
        return True

    async def get_my_commands(self, call: Call) -> list[dict[str, Any]]:
        return call.bot.commands.get(self._scope_key(call.params), [])

    async def delete_my_commands(self, call: Call) -> bool:
        call.bot.commands.pop(self._scope_key(call.params), None)
        return True

    async def set_my_description(self, call: Call) -> bool:
        key = ("description", call.params.get("language_code") or "")
        call.bot.descriptions[key] = call.params.get("description") or ""
        return True

    async def get_my_description(self, call: Call) -> dict[str, Any]:
        key = ("description", call.params.get("language_code") or "")
        return {"description": call.bot.descriptions.get(key, "")}

    async def set_my_short_description(self, call: Call) -> bool:
        key = ("short_description", call.params.get("language_code") or "")
        call.bot.descriptions[key] = call.params.get("short_description") or ""
        return True

    async def get_my_short_description(self, call: Call) -> dict[str, Any]:
        key = ("short_description", call.params.get("language_code") or "")
        return {"short_description": call.bot.descriptions.get(key, "")}

    async def set_chat_menu_button(self, call: Call) -> bool:
        chat_id = call.params.get("chat_id")
        button = call.params.get("menu_button") or {"type": "default"}
        call.bot.menu_buttons[chat_id] = button
        return True

    async def get_chat_menu_button(self, call: Call) -> dict[str, Any]:
        buttons = call.bot.menu_buttons
        chat_id = call.params.get("chat_id")
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}

    # ------------------------------------------------------------------ chats
    async def get_chat(self, call: Call) -> dict[str, Any]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_status(self, bot: BotState, chat: Chat, user_id: int) -> str:
        if user_id == bot.bot_id:
            return "member" if chat.type == "private" else chat.bot_status
        if chat.type == "private":
            if user_id != chat.id:
                return "left"
            return "kicked" if user_id in bot.blocked_by else "member"
        return chat.members.get(user_id, "left")

    def _user_object(self, bot: BotState, user_id: int) -> dict[str, Any]:
        if user_id == bot.bot_id:
            return bot.user
        return self.world.users.get(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )

    def _member_object(self, bot: BotState, chat: Chat, user_id: int) -> dict[str, Any]:
        if user_id == bot.bot_id:
            if chat.type == "private":
                return chat_member(bot.user, "member")
            return bot_member(bot, chat)
        status = self._member_status(bot, chat, user_id)
        topics_right = True if chat.type == "supergroup" else None
        return chat_member(self._user_object(bot, user_id), status, topics_right)

    async def get_chat_member(self, call: Call) -> dict[str, Any]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        user_id = call.params["user_id"]
        if user_id != call.bot.bot_id and user_id not in self.world.users:
            raise bad_request("user not found")
        return self._member_object(call.bot, chat, user_id)

    async def get_chat_administrators(self, call: Call) -> list[dict[str, Any]]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        self.ensure_can_write(call.bot, chat)
        admins = [
            self._member_object(call.bot, chat, user_id)
            for user_id, status in chat.members.items()
            if status in {"creator", "administrator"}
        ]
        if chat.bot_status == "administrator":
            admins.append(bot_member(call.bot, chat))
        return admins

    async def get_chat_member_count(self, call: Call) -> int:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        if chat.type == "private":
            return 2
        active = {"creator", "administrator", "member", "restricted"}
        return sum(1 for status in chat.members.values() if status in active) + 1

    # ----------------------------------------------------------- forum topics
    def _forum(self, call: Call) -> Chat:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        self.ensure_can_write(call.bot, chat)
        return chat

    def _check_topic_rights(self, call: Call, chat: Chat, topic: ForumTopic) -> None:
        """Editing, closing and reopening: can_manage_topics, or an admin's own topic."""
        if self.manages_topics(chat):
            return
        if chat.bot_status == "administrator" and topic.created_by == call.bot.bot_id:
            return
        raise bad_request("not enough rights to manage topics")

    def _topic(self, chat: Chat, thread_id: int) -> ForumTopic:
        topic = chat.topics.get(thread_id)
        if topic is None or topic.is_deleted:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    def add_topic_service_message(
        self, chat: Chat, sender: dict[str, Any], from_bot: bool, thread_id: int, **service: Any
    ) -> StoredMessage:
        """A forum_topic_* service message in the topic."""
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat_id=chat.id,
            sender=sender,
            from_bot=from_bot,
            date=now(),
            message_thread_id=thread_id,
            service=service,
        )
        chat.messages[message.message_id] = message
        self.world.changed.notify()
        return message

    def open_topic(
        self,
        chat: Chat,
        sender: dict[str, Any],
        from_bot: bool,
        name: str,
        icon_color: int | None = None,
        icon_custom_emoji_id: str | None = None,
    ) -> tuple[ForumTopic, StoredMessage]:
        """Creates a topic with its forum_topic_created message, whose id is the topic's
        message_thread_id (as in Telegram)."""
        thread_id = chat.next_message_id
        topic = ForumTopic(
            message_thread_id=thread_id,
            name=name,
            icon_color=DEFAULT_TOPIC_COLOR if icon_color is None else icon_color,
            icon_custom_emoji_id=icon_custom_emoji_id or None,
            created_by=sender["id"],
        )
        chat.topics[thread_id] = topic
        created: dict[str, Any] = {"name": topic.name, "icon_color": topic.icon_color}
        if topic.icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
        message = self.add_topic_service_message(
            chat, sender, from_bot, thread_id, forum_topic_created=created
        )
        assert message.message_id == thread_id
        return topic, message

    async def create_forum_topic(self, call: Call) -> dict[str, Any]:
        chat = self._forum(call)
        if not self.manages_topics(chat):
            raise bad_request("not enough rights to create a topic")
        icon_color = call.params.get("icon_color")
        if icon_color is not None and icon_color not in TOPIC_COLORS:
            raise bad_request("TOPIC_COLOR_INVALID")
        topic, _ = self.open_topic(
            chat,
            call.bot.user,
            True,
            call.params["name"],
            icon_color,
            call.params.get("icon_custom_emoji_id"),
        )
        return topic.to_api()

    async def edit_forum_topic(self, call: Call) -> bool:
        chat = self._forum(call)
        topic = self._topic(chat, call.params["message_thread_id"])
        self._check_topic_rights(call, chat, topic)
        # An empty or missing name keeps the current one; an empty emoji id removes the icon.
        name = call.params.get("name") or topic.name
        emoji = call.params.get("icon_custom_emoji_id", topic.icon_custom_emoji_id) or None
        edited: dict[str, Any] = {}
        if name != topic.name:
            edited["name"] = name
        if emoji != topic.icon_custom_emoji_id:
            edited["icon_custom_emoji_id"] = emoji or ""
        if not edited:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name, topic.icon_custom_emoji_id = name, emoji
        self.add_topic_service_message(
            chat, call.bot.user, True, topic.message_thread_id, forum_topic_edited=edited
        )
        return True

    async def close_forum_topic(self, call: Call) -> bool:
        return self._set_topic_closed(call, closed=True)

    async def reopen_forum_topic(self, call: Call) -> bool:
        return self._set_topic_closed(call, closed=False)

    def _set_topic_closed(self, call: Call, closed: bool) -> bool:
        chat = self._forum(call)
        topic = self._topic(chat, call.params["message_thread_id"])
        self._check_topic_rights(call, chat, topic)
        if topic.is_closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.is_closed = closed
        service = "forum_topic_closed" if closed else "forum_topic_reopened"
        self.add_topic_service_message(
            chat, call.bot.user, True, topic.message_thread_id, **{service: {}}
        )
        return True

    async def delete_forum_topic(self, call: Call) -> bool:
        chat = self._forum(call)
        topic = self._topic(chat, call.params["message_thread_id"])
        if chat.bot_status != "creator" and not (
            chat.bot_status == "administrator" and chat.bot_can_delete_messages
        ):
            raise bad_request("not enough rights to delete a topic")
        topic.is_deleted = True
        for message in chat.messages.values():
            if message.message_thread_id == topic.message_thread_id:
                message.deleted = True
        self.world.changed.notify()
        return True

    # -------------------------------------------------------------- reactions
    async def set_message_reaction(self, call: Call) -> bool:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        message = chat.messages.get(call.params["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to react not found")
        if message.service:
            raise bad_request("REACTION_INVALID")
        reactions = call.params.get("reaction") or []
        if len(reactions) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        present = [
            reaction
            for actor, chosen in message.reactions.items()
            if actor != call.bot.bot_id
            for reaction in chosen
        ]
        for reaction in reactions:
            kind = reaction["type"]
            if kind == "emoji" and reaction["emoji"] not in self.reaction_emoji:
                raise bad_request("REACTION_INVALID")
            if kind == "custom_emoji" and reaction not in present:
                raise bad_request("REACTION_INVALID")
            if kind == "paid":
                raise bad_request("REACTION_INVALID")
        if reactions:
            message.reactions[call.bot.bot_id] = reactions
        else:
            message.reactions.pop(call.bot.bot_id, None)
        self.world.changed.notify()
        return True

    # --------------------------------------------------------------- payments
    def _invoice_from_params(self, call: Call) -> dict[str, Any]:
        params = call.params
        prices = params["prices"]
        if not prices:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        currency = params["currency"]
        if currency == "XTR":
            if len(prices) != 1:
                raise bad_request("STARS_INVOICE_INVALID")
            if params.get("provider_token"):
                raise bad_request("STARS_INVOICE_INVALID")
        period = params.get("subscription_period")
        if period is not None and (period != SUBSCRIPTION_PERIOD_SECONDS or currency != "XTR"):
            raise bad_request("SUBSCRIPTION_PERIOD_INVALID")
        total = sum(price["amount"] for price in prices)
        if total <= 0:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        return {
            "title": params["title"],
            "description": params["description"],
            "payload": params["payload"],
            "provider_token": params.get("provider_token", ""),
            "currency": currency,
            "prices": prices,
            "total_amount": total,
            "subscription_period": period,
            "start_parameter": params.get("start_parameter", ""),
        }

    async def send_invoice(self, call: Call) -> dict[str, Any]:
        chat = self.resolve_chat(call.bot, call.params["chat_id"])
        self.ensure_can_write(call.bot, chat)
        invoice = self._invoice_from_params(call)
        message = self.add_bot_message(call, chat, invoice=invoice)
        return message_to_api(chat, message)

    async def create_invoice_link(self, call: Call) -> str:
        invoice = self._invoice_from_params(call)
        slug = secrets.token_urlsafe(12)
        call.bot.invoice_links[slug] = invoice
        return f"https://t.me/${slug}"

    async def answer_pre_checkout_query(self, call: Call) -> bool:
        record = call.bot.pre_checkouts.get(call.params["pre_checkout_query_id"])
        if record is None or record.answer.done():
            raise bad_request("QUERY_ID_INVALID")
        ok = call.params["ok"]
        error_message = call.params.get("error_message")
        if not ok and not error_message:
            raise bad_request("ERROR_MESSAGE_EMPTY")
        record.answer.set_result((ok, error_message))
        return True

    def _find_charge(self, call: Call) -> dict[str, Any]:
        charge_id = call.params["telegram_payment_charge_id"]
        for charge in self.world.charges:
            if (
                charge["telegram_payment_charge_id"] == charge_id
                and charge["bot_id"] == call.bot.bot_id
                and charge["user_id"] == call.params["user_id"]
            ):
                return charge
        raise bad_request("CHARGE_ID_INVALID")

    async def refund_star_payment(self, call: Call) -> bool:
        charge = self._find_charge(call)
        if charge["currency"] != "XTR":
            raise bad_request("CHARGE_ID_INVALID")
        if charge.get("refunded"):
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        charge["refunded"] = True
        refund = {
            "bot_id": call.bot.bot_id,
            "user_id": charge["user_id"],
            "telegram_payment_charge_id": charge["telegram_payment_charge_id"],
            "total_amount": charge["total_amount"],
            "currency": charge["currency"],
            "invoice_payload": charge["invoice_payload"],
            "time": time.time(),
        }
        self.world.refunds.append(refund)
        return True

    async def edit_user_star_subscription(self, call: Call) -> bool:
        charge = self._find_charge(call)
        if not charge.get("subscription_expiration_date"):
            raise bad_request("SUBSCRIPTION_NOT_FOUND")
        is_canceled = call.params["is_canceled"]
        if charge.get("is_canceled", False) == is_canceled:
            raise bad_request("SUBSCRIPTION_NOT_MODIFIED")
        charge["is_canceled"] = is_canceled
        self.world.subscription_edits.append(
            {
                "bot_id": call.bot.bot_id,
                "user_id": charge["user_id"],
                "telegram_payment_charge_id": charge["telegram_payment_charge_id"],
                "is_canceled": is_canceled,
                "time": time.time(),
            }
        )
        return True


def file_response(stored: StoredFile) -> web.Response:
    headers = {}
    if stored.file_name:
        headers["Content-Disposition"] = f'inline; filename="{stored.file_name}"'
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type or "application/octet-stream",
        headers=headers,
    )
