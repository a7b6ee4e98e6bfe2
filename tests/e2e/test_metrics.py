"""/metrics as Prometheus reads it: parsed with prometheus-client's own parser."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from services.broadcasts.drafts import BroadcastStatus
from services.marketplace.models import Marketplace
from tests.e2e.admin_chat import bot_with_admin_group
from tests.e2e.broadcasts import (
    add_crowd,
    broadcast_now,
    fresh_crowd_id,
    wait_for_status,
    wake_broadcasts,
)
from tests.e2e.desk import open_desk
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import InterviewUser
from tests.e2e.scrape import grew, sample_value, samples, scrape
from tests.e2e.test_admin_broadcast_sending import CROWD
from tests.e2e.test_marketplace_replies import member_writes, notice_on
from tests.e2e.test_marketplace_sla import alerts_at, buyer_waits, started, wait_of
from tests.e2e.test_payments import Buyer, _refund_requested
from tests.fakes.openai_server import FakeOpenAI, ServerError


async def test_metrics_count_updates_by_handler_and_bot_api_calls_by_method(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    before = await scrape(harness.web_url)
    user = new_user()
    await harness.say(user, "/help")
    after = await scrape(harness.web_url)

    help_command = {"type": "message", "handler": "core.menu.help_command"}
    assert grew(before, after, "easyflow_updates_total", **help_command) == 1
    assert grew(before, after, "easyflow_update_handling_seconds_count", type="message") == 1
    assert (
        grew(before, after, "easyflow_bot_api_calls_total", method="sendMessage", result="ok") >= 1
    )
    assert "easyflow_sender_queue_depth" in after


async def test_a_wrong_or_missing_metrics_token_gets_401(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start(metrics_token="s3cret-metrics")
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-metrics"}):
            async with http.get(f"{harness.web_url}/metrics", headers=headers) as response:
                assert response.status == 401
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert "easyflow_" not in await response.text()
    families = await scrape(harness.web_url, token="s3cret-metrics")
    assert "easyflow_updates" in families


@pytest.mark.usefixtures("seeded_catalogue")
async def test_payments_are_counted_by_method_and_status(harness_factory: HarnessFactory) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    before = await scrape(harness.web_url)
    buyer = Buyer(harness, new_user("en"))
    request = await _refund_requested(buyer, admin_chat)  # bought with Stars, then asked back
    await admin_chat.press(request, "Approve")
    await buyer.wait_bot_text("refund was approved")
    after = await scrape(harness.web_url)

    for status in ("created", "paid", "refund_requested", "refunded"):
        assert grew(before, after, "easyflow_payments_total", method="stars", status=status) == 1
    assert grew(before, after, "easyflow_payments_total", method="stars", status="mismatch") == 0


@pytest.mark.usefixtures("seeded_bank")
async def test_llm_calls_their_latency_and_the_offline_fallback_are_counted(
    harness_factory: HarnessFactory,
) -> None:
    async with FakeOpenAI() as fake:
        harness = await harness_factory.start(
            openai_api_key="test-key", openai_base_url=fake.base_url, llm_timeout_seconds=1.5
        )
        model = harness.settings.llm_model
        person = InterviewUser(harness, new_user("en"))
        await person.start_track("Backend", "Junior", "Databases", 3)
        before = await scrape(harness.web_url)
        await person.answer("An index is a B-tree; it speeds reads but slows writes.")
        answered = await scrape(harness.web_url)
        fake.script(ServerError(500), ServerError(502), ServerError(500))
        replies = await person.answer("Normalization removes duplicated data across tables.")
        after = await scrape(harness.web_url)

    assert "simplified automatic evaluation" in replies[0]["text"]
    llm = {"kind": "llm", "engine": model}
    assert grew(before, answered, "easyflow_ai_calls_total", result="ok", **llm) == 1
    assert grew(before, answered, "easyflow_ai_call_seconds_count", **llm) == 1
    assert grew(before, answered, "easyflow_ai_fallbacks_total", **llm) == 0
    assert grew(answered, after, "easyflow_ai_calls_total", result="error", **llm) == 3
    assert grew(answered, after, "easyflow_ai_fallbacks_total", **llm) == 1


async def test_marketplace_sync_lag_outbox_backlog_and_sla_alerts(
    harness_factory: HarnessFactory,
) -> None:
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    _, topic_id = await buyer_waits(desk, Marketplace.OZON, "M-1")
    [wait] = await wait_of(desk)
    before = await scrape(desk.harness.web_url)
    [lag] = samples(before, "easyflow_marketplace_sync_lag_seconds", seller=str(desk.seller_id))
    assert lag.labels["marketplace"] == "ozon" and 0 <= lag.value < 60
    backlog = {"marketplace": "ozon"}
    assert (
        sample_value(before, "easyflow_marketplace_outbox_backlog", kind="message", **backlog) == 0
    )
    assert sample_value(before, "easyflow_marketplace_outbox_backlog", kind="reply", **backlog) == 0
    assert sample_value(before, "easyflow_state_read_ok", source="marketplace.desk_state") == 1

    await alerts_at(desk, started(wait) + timedelta(minutes=46))  # past the warning time
    warned = await scrape(desk.harness.web_url)
    assert grew(before, warned, "easyflow_sla_alerts_total", kind="warning") == 1
    late = "easyflow_marketplace_sla_open_waits"
    assert sample_value(warned, late, marketplace="ozon", state="warning") == 1
    assert sample_value(warned, late, marketplace="ozon", state="breach") == 0

    # The marketplace is down: the member's answer waits in the outbox.
    control = desk.control(Marketplace.OZON)
    await control.fault("server_error", method="/v1/chat/send/message", times=None, status=503)
    first = await member_writes(desk, topic_id, "Your order ships today.")
    await notice_on(desk, topic_id, first)
    stuck = await scrape(desk.harness.web_url)
    assert sample_value(stuck, "easyflow_marketplace_outbox_backlog", kind="reply", **backlog) == 1
    await control.clear_faults()


async def test_broadcast_recipients_by_state_and_sends_by_outcome(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    factory = harness.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, fresh_crowd_id(), 12, language="ru")
    before = await scrape(harness.web_url)
    broadcast_id = await broadcast_now(
        factory, admin_chat.admin["id"], admin_chat.chat_id, "Metrics sale", CROWD
    )
    running = await scrape(harness.web_url)  # started, not picked up before the next tick
    recipients = samples(running, "easyflow_broadcast_recipients", broadcast=str(broadcast_id))
    assert {s.labels["status"] for s in recipients} == {"running"}
    assert {s.labels["state"] for s in recipients} >= {"pending", "sent", "failed"}
    assert sum(s.value for s in recipients) == len(users)

    await wake_broadcasts(harness)
    await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED})
    after = await scrape(harness.web_url)
    assert grew(before, after, "easyflow_broadcast_sends_total", outcome="sent") == len(users)
    assert samples(after, "easyflow_broadcast_recipients", broadcast=str(broadcast_id)) == []
