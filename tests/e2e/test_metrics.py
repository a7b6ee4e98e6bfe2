"""/metrics as Prometheus reads it: parsed with prometheus-client's own parser."""

from __future__ import annotations

import aiohttp

from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.scrape import sample_value, scrape


async def test_metrics_count_updates_by_handler_and_bot_api_calls_by_method(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    before = await scrape(harness.web_url)
    user = new_user()
    await harness.say(user, "/help")
    after = await scrape(harness.web_url)

    def grew(name: str, **labels: str) -> float:
        return sample_value(after, name, **labels) - sample_value(before, name, **labels)

    assert grew("easyflow_updates_total", type="message", handler="core.menu.help_command") == 1
    assert grew("easyflow_update_handling_seconds_count", type="message") == 1
    assert grew("easyflow_bot_api_calls_total", method="sendMessage", result="ok") >= 1
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
