"""Wiring: one function builds the dispatcher the same way for `make run`, tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import logging
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiogram.methods
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BotCommandScopeUnion,
    TelegramObject,
)
from redis.asyncio import ConnectionPool, Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.modules import (
    command_menus,
    enabled_jobs,
    enabled_routers,
    enabled_routers_before_core_commands,
    enabled_workflow_data,
    menu_modules,
)
from bot.registration import CommandMenus, ModuleContext
from bot.retry import RetryOnFloodAndServerErrors
from bot.routing import prefilter_handlers
from bot.scheduler import JOB_SCHEDULER_KEY, JobScheduler
from bot.sender import SENDER_KEY, SendBudgetGate, TelegramSender, send_budgets_of
from bot.telemetry import CountBotApiCalls
from handlers.core import commands_router, core_router, fallback_router
from middlewares.banned import BannedUserMiddleware
from middlewares.database import DatabaseSessionMiddleware
from middlewares.i18n import create_i18n_middleware
from middlewares.observability import observe_updates
from middlewares.throttling import (
    COUNTED,
    MemoryUpdateCounter,
    RedisUpdateCounter,
    ThrottlingMiddleware,
    counted_sender,
)
from middlewares.unhandled import UnhandledUpdateLogger
from middlewares.user import UserMiddleware
from services.database import create_engine, create_session_factory
from services.health import HealthChecks
from services.languages import SUPPORTED_LANGUAGES
from services.leases import Lease, RedisLeases
from services.send_budgets import create_send_budgets

logger = logging.getLogger(__name__)


@dataclass
class Resources:
    """Connections that live as long as the process; closed by `close()`."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis | None

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        engine = create_engine(
            settings.effective_database_url, pool_size=max(5, settings.max_concurrent_updates // 4)
        )
        if settings.database_url is None:
            logger.info(
                "DATABASE_URL is not set: using the embedded SQLite database %s", engine.url
            )
        redis = create_redis(settings)
        if redis is None:
            logger.info("REDIS_URL is not set: FSM state and throttling live in memory")
        return cls(settings, engine, create_session_factory(engine), redis)

    @property
    def health_checks(self) -> HealthChecks:
        return HealthChecks(self.engine, self.redis)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


def create_redis(settings: Settings) -> Redis | None:
    """A client with room for every update in flight: each holds at most one connection at a
    time, plus the FSM lock's; polling caps updates in flight at MAX_CONCURRENT_UPDATES."""
    if not settings.redis_url:
        return None
    pool = ConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.max_concurrent_updates * 4,
        socket_connect_timeout=5,
        socket_timeout=None,
    )
    return Redis(connection_pool=pool)


@functools.cache
def _pin_response_types() -> tuple[type, ...]:
    """aiogram parses every Bot API reply as `Response[T]`. pydantic caches those generic
    classes only weakly, so each garbage collection drops them and the next reply rebuilds one
    (milliseconds of CPU). Holding all of them (41 classes, ~70 ms once) keeps replies cheap."""
    returning = {
        method.__returning__
        for method in vars(aiogram.methods).values()
        if isinstance(method, type)
        and issubclass(method, TelegramMethod)
        and method is not TelegramMethod
    }
    return tuple(Response[t] for t in returning)  # type: ignore[valid-type]


def create_bot(
    token: str, settings: Settings, api_base_url: str | None = None, redis: Redis | None = None
) -> Bot:
    """A bot whose every call keeps inside Telegram's sending limits, shared through `redis`
    by every process of the bot (in this process only without it)."""
    base_url = api_base_url or settings.telegram_api_url
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(base_url)) if base_url else AiohttpSession()
    )
    budgets = create_send_budgets(settings.send_limits, redis, bot_id=token.split(":")[0])
    # The first registered wraps the rest: every retry takes its budget again.
    session.middleware(RetryOnFloodAndServerErrors())
    session.middleware(SendBudgetGate(budgets))
    session.middleware(CountBotApiCalls())
    _pin_response_types()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_fsm(settings: Settings, redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    storage = RedisStorage(
        redis,
        key_builder=key_builder,
        state_ttl=settings.fsm_ttl_seconds,
        data_ttl=settings.fsm_ttl_seconds,
    )
    return storage, LeanRedisEventIsolation(redis, key_builder=key_builder)


class LeanRedisEventIsolation(RedisEventIsolation):
    """aiogram's per-chat Redis lock, with the same keys and semantics, taken as a lease
    (one SET NX) and given back with one compare-and-delete script.

    The stock lock goes through redis-py's `Lock` (a uuid1 token, a blocking loop that polls a
    taken lock every 100 ms); every update pays for it, so this keeps the two round trips and
    drops the rest. A taken lock is retried every 10 ms; it expires after 60 s if a process
    dies holding it.
    """

    EXPIRES_MS = 60_000
    RETRY_SECONDS = 0.01

    # The lock as `RedisLeases.try_acquire` takes it and, once held, what the update reads
    # first anyway: the FSM state (KEYS[2]) and, for an update the throttling counts, its
    # sender's counter (KEYS[3], as `RedisUpdateCounter.HIT`). Nil while another holds the lock.
    LOCK_AND_LOAD = """
    if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
    local count = -1
    if KEYS[3] then
      count = redis.call('INCR', KEYS[3])
      if count == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
    end
    return {redis.call('GET', KEYS[2]), count}
    """

    def __init__(self, redis: Redis, key_builder: DefaultKeyBuilder) -> None:
        super().__init__(redis, key_builder=key_builder)
        self._leases = RedisLeases(redis)
        self._lock_and_load = redis.register_script(self.LOCK_AND_LOAD)

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        # Another process may hold it: only polling Redis can tell when it is free.
        while (lease := await self._leases.try_acquire(name, self.EXPIRES_MS)) is None:  # noqa: ASYNC110
            await asyncio.sleep(self.RETRY_SECONDS)
        try:
            yield
        finally:
            await self._leases.release(lease)

    @contextlib.asynccontextmanager
    async def lock_and_load(
        self, key: StorageKey, counter: RedisUpdateCounter | None, counted_user: int | None
    ) -> AsyncGenerator[tuple[str | None, int | None], None]:
        """`lock(key)` that also reads the state of `key` and counts one more update of
        `counted_user` on `counter`, all in one round trip; yields the state and the count
        (None when nobody is counted)."""
        name = self.key_builder.build(key, "lock")
        keys = [name, self.key_builder.build(key, "state")]
        args: list[str | int] = [secrets.token_hex(8), self.EXPIRES_MS]
        if counter is not None and counted_user is not None:
            keys.append(counter.key(counted_user))
            args.append(counter.period_ms)
        while (loaded := await self._lock_and_load(keys=keys, args=args)) is None:  # noqa: ASYNC110
            await asyncio.sleep(self.RETRY_SECONDS)
        raw_state, count = loaded
        try:
            yield (
                raw_state.decode() if isinstance(raw_state, bytes) else raw_state,
                int(count) if int(count) >= 0 else None,
            )
        finally:
            await self._leases.release(Lease(name, str(args[0])))


class LeanFSMContextMiddleware(FSMContextMiddleware):
    """aiogram's FSM middleware (the chat's lock around the update, its state in `raw_state`)
    in one Redis round trip where aiogram makes two, with the throttling's count of the update
    taken in the same one (left under `COUNTED` for the throttling middleware)."""

    def __init__(
        self,
        storage: RedisStorage,
        events_isolation: LeanRedisEventIsolation,
        counter: RedisUpdateCounter | None,
    ) -> None:
        super().__init__(storage, events_isolation)
        self.lean_isolation = events_isolation
        self.counter = counter

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        context = self.resolve_event_context(data["bot"], data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        async with self.lean_isolation.lock_and_load(
            context.key, self.counter, counted_sender(event)
        ) as (raw_state, count):
            data.update(state=context, raw_state=raw_state)
            if count is not None:
                data[COUNTED] = count
            return await handler(event, data)


def use_lean_fsm_middleware(dispatcher: Dispatcher, counter: RedisUpdateCounter | None) -> None:
    """Puts `LeanFSMContextMiddleware` where aiogram put its own (the last of the three
    outer middlewares `Dispatcher()` registers) when the FSM lives in Redis."""
    storage, isolation = dispatcher.fsm.storage, dispatcher.fsm.events_isolation
    if not isinstance(storage, RedisStorage) or not isinstance(isolation, LeanRedisEventIsolation):
        return
    assert dispatcher.update.outer_middleware[-1] is dispatcher.fsm
    dispatcher.update.outer_middleware.unregister(dispatcher.fsm)
    dispatcher.fsm = LeanFSMContextMiddleware(storage, isolation, counter)
    dispatcher.update.outer_middleware(dispatcher.fsm)


def build_dispatcher(resources: Resources, extra_routers: Sequence[Router] = ()) -> Dispatcher:
    settings = resources.settings
    storage, isolation = create_fsm(settings, resources.redis)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        health_checks=resources.health_checks,
        command_menus=command_menus(settings),
        menu_modules=menu_modules(settings),
        **enabled_workflow_data(settings),
    )
    counter = (
        RedisUpdateCounter(resources.redis, settings.throttle_period_seconds)
        if resources.redis is not None
        else MemoryUpdateCounter(settings.throttle_period_seconds)
    )
    use_lean_fsm_middleware(
        dispatcher, counter if isinstance(counter, RedisUpdateCounter) else None
    )

    observe_updates(dispatcher)
    dispatcher.update.outer_middleware(UnhandledUpdateLogger())
    dispatcher.update.outer_middleware(DatabaseSessionMiddleware(resources.session_factory))
    dispatcher.update.outer_middleware(UserMiddleware(settings.default_language))
    dispatcher.update.outer_middleware(BannedUserMiddleware())
    # Shutdown handlers run in the order they are registered: work that still runs (scheduled
    # jobs, modules' background work) stops first, while the translations, which the i18n
    # middleware unloads at its own shutdown, the sender and the database are all still there.
    jobs = JobScheduler(enabled_jobs(settings))
    dispatcher.workflow_data[JOB_SCHEDULER_KEY] = jobs  # for /healthz
    dispatcher.shutdown.register(_finish_updates_in_flight)
    dispatcher.shutdown.register(jobs.stop)
    dispatcher.shutdown.register(_wind_down_modules)
    create_i18n_middleware(settings.default_language).setup(dispatcher)
    dispatcher.update.outer_middleware(ThrottlingMiddleware(counter, settings.throttle_limit))

    # /cancel and friends first: they work inside any flow. Modules come before the rest of
    # the core so they can claim their deep links and /start offers (a share link, an
    # unfinished interview); the core answers everything else.
    for router in enabled_routers_before_core_commands(settings):
        dispatcher.include_router(router)
    dispatcher.include_router(commands_router())
    for router in (*enabled_routers(settings), *extra_routers):
        dispatcher.include_router(router)
    dispatcher.include_router(core_router())
    dispatcher.include_router(fallback_router())
    prefilter_handlers(dispatcher)
    dispatcher.startup.register(_publish_commands)

    async def start_sender_and_jobs(bot: Bot, dispatcher: Dispatcher) -> None:
        dispatcher.workflow_data[SENDER_KEY] = TelegramSender(bot, send_budgets_of(bot))
        jobs.start(module_context(resources, dispatcher, bot))

    async def stop_sender(dispatcher: Dispatcher) -> None:
        sender = dispatcher.workflow_data.get(SENDER_KEY)
        if sender is not None:
            await sender.stop()

    # Then the sender sends what is queued, and module objects close last, so no job finds
    # its tools closed.
    dispatcher.startup.register(start_sender_and_jobs)
    dispatcher.shutdown.register(stop_sender)
    dispatcher.shutdown.register(_close_module_resources)
    # Last: everything the startup loaded is there by now.
    dispatcher.startup.register(freeze_startup_objects)
    _close_fsm_last(dispatcher)
    return dispatcher


def _close_fsm_last(dispatcher: Dispatcher) -> None:
    """aiogram registers the FSM's close (its storage's, which closes the shared Redis client's
    connections) as the first shutdown handler: it would cut the Redis calls of the updates
    still finishing, of the scheduled jobs and of the sender's last sends. It goes last."""
    handlers = dispatcher.shutdown.handlers
    closes = [
        handler
        for handler in handlers
        if getattr(handler.callback, "__func__", None) is FSMContextMiddleware.close
    ]
    assert closes, "aiogram's Dispatcher registers its FSM's close at shutdown"
    for handler in closes:
        handlers.remove(handler)
    handlers.extend(closes)


# Collections of the youngest generation after this many new objects (Python's default: 700).
# Each update allocates thousands (pydantic models, dicts of handler data) that mostly die by
# reference counting; at 700 the collector ran ~250 times a second under load and promoted
# whatever was still in flight, which the older generations then walked again.
YOUNG_COLLECTION_THRESHOLD = 20_000


_startup_objects_frozen = False


async def freeze_startup_objects() -> None:
    """Takes what the process has loaded by its first startup (modules, routers, pydantic's
    schemas, translations: some 450,000 objects that live as long as the process) out of the
    garbage collector's full passes, once per process. Each full pass walked all of them again
    (~0.3 s of a frozen event loop, a dozen times a minute under load): a quarter of the CPU
    and most of the p99. Garbage made later is collected as before, in larger batches.
    A coroutine, so that aiogram runs it on the event loop's thread (finalizers included)."""
    global _startup_objects_frozen
    if _startup_objects_frozen:
        return
    _startup_objects_frozen = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, 20, 20)


# How long the updates polling took before it stopped get to finish at shutdown (inside
# compose's 30 s stop grace period).
UPDATES_DRAIN_SECONDS = 20.0


async def _finish_updates_in_flight(dispatcher: Dispatcher) -> None:
    """First at shutdown: polling has stopped taking updates, but aiogram does not wait for the
    ones it took, which would go on while everything below them closes (the sender, the
    translations, Redis). They get `UPDATES_DRAIN_SECONDS` to finish. (The webhook's own are
    finished by `bot.web.DrainingRequestHandler`.)"""
    await finish_taken_updates(dispatcher._handle_update_tasks)


async def finish_taken_updates(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Waits up to `UPDATES_DRAIN_SECONDS` for the updates' tasks; cancels what is left."""
    taken = set(tasks)
    if not taken:
        return
    logger.info("finishing %d update(s) taken before shutdown", len(taken))
    _, unfinished = await asyncio.wait(taken, timeout=UPDATES_DRAIN_SECONDS)
    for task in unfinished:
        task.cancel()
    if unfinished:
        logger.warning("%d update(s) cancelled at shutdown", len(unfinished))


def module_context(resources: Resources, dispatcher: Dispatcher, bot: Bot) -> ModuleContext:
    """What modules' web routes and scheduled jobs work with."""
    return ModuleContext(
        settings=resources.settings,
        bot=bot,
        session_factory=resources.session_factory,
        redis=resources.redis,
        workflow_data=dispatcher.workflow_data,
    )


def warm_up_modules(dispatcher: Dispatcher) -> list[asyncio.Task[None]]:
    """Module objects that start slowly (speech recognition's worker processes, about 2 s)
    expose `async warm_up()`: started in the background while the bot starts, so the first
    user does not wait. Closing such an object ends its warm-up quietly."""
    return [asyncio.create_task(warm_up()) for warm_up in _module_hooks(dispatcher, "warm_up")]


async def _wind_down_modules(dispatcher: Dispatcher) -> None:
    """Module objects with work of their own in the background (the marketplace desk's syncs)
    expose `async wind_down()`: it lets that work finish or stops it, first at shutdown."""
    for wind_down in _module_hooks(dispatcher, "wind_down"):
        await wind_down()


async def _close_module_resources(dispatcher: Dispatcher) -> None:
    """Module objects that hold processes or connections (speech recognition's worker pool,
    say) expose `async close()`; they are closed when polling or the webhook stops."""
    for close in _module_hooks(dispatcher, "close"):
        await close()


def _module_hooks(
    dispatcher: Dispatcher, name: str
) -> list[Callable[[], Coroutine[object, object, None]]]:
    """The module objects' `async <name>()` methods, in the order the objects were given."""
    hooks = (getattr(value, name, None) for value in dispatcher.workflow_data.values())
    return [hook for hook in hooks if inspect.iscoroutinefunction(hook)]


async def _publish_commands(bot: Bot, dispatcher: Dispatcher) -> None:
    """Telegram shows the command menu in the user's app language; publish one per language."""
    core = dispatcher["i18n_middleware"].core
    menus: CommandMenus = dispatcher["command_menus"]
    await _set_commands(bot, core, menus.private, BotCommandScopeDefault())
    # Group commands (a seller's /connect, say) in every group's menu, for its administrators.
    if menus.group_admins:
        await _set_commands(bot, core, menus.group_admins, BotCommandScopeAllChatAdministrators())
    settings: Settings = dispatcher["settings"]
    console_names = menus.admin_chat
    if console_names and settings.admin_chat_id is not None:
        # The admin group's menu: what every admin may type there (not only its Telegram admins).
        try:
            await _set_commands(
                bot, core, console_names, BotCommandScopeChat(chat_id=settings.admin_chat_id)
            )
        except TelegramAPIError as error:  # the bot is not (yet) in that group
            logger.warning("admin group %s menu not set: %s", settings.admin_chat_id, error)


async def _set_commands(
    bot: Bot, core: Any, names: Sequence[str], scope: BotCommandScopeUnion
) -> None:
    """The commands' menu for `scope`, once per language and once for any other language."""
    for language in (*SUPPORTED_LANGUAGES, None):
        commands = [
            BotCommand(command=name, description=core.get(f"command-{name}", language or "en"))
            for name in names
        ]
        await bot.set_my_commands(commands, scope=scope, language_code=language)
