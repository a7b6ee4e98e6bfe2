"""What the sandbox shows about its marketplaces: the overview a person starts from, and the
shared clock and faults' own validation."""

from __future__ import annotations

import pytest

from sandbox import SandboxClient, TelegramEmulator
from sandbox.client import SandboxError
from services.marketplace import (
    OzonConnector,
    OzonCredentials,
    WildberriesConnector,
    WildberriesCredentials,
)


async def test_the_overview_is_enough_to_connect_to_both_marketplaces(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    overview = await client.marketplaces()
    assert overview["seller"] is None and overview["forum_chat_id"] is None
    ozon, wb = overview["marketplaces"]["ozon"], overview["marketplaces"]["wb"]
    assert ozon["api_url"] == f"{emulator.base_url}/ozon"
    assert wb["api_url"] == f"{emulator.base_url}/wb"

    connectors = [
        OzonConnector(OzonCredentials(**ozon["credentials"]), base_url=ozon["api_url"]),
        WildberriesConnector(WildberriesCredentials(**wb["credentials"]), base_url=wb["api_url"]),
    ]
    try:
        for connector in connectors:
            await connector.check_credentials()
    finally:
        for connector in connectors:
            await connector.close()


async def test_the_clock_moves_only_forward(client: SandboxClient) -> None:
    before = await client.advance_marketplace_clock(0)
    after = await client.advance_marketplace_clock(3600)
    assert after > before
    with pytest.raises(SandboxError) as refused:
        await client.advance_marketplace_clock(-1)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "meteor"},
        {"kind": "server_error", "status": 404},
        {"kind": "slow", "delay_seconds": -1},
        {"kind": "rate_limited", "times": 0},
    ],
)
async def test_a_fault_that_makes_no_sense_is_refused(
    client: SandboxClient, fault: dict[str, object]
) -> None:
    for control in (client.ozon, client.wildberries):
        with pytest.raises(SandboxError) as refused:
            await control.fault(**fault)  # type: ignore[arg-type]
        assert refused.value.status == 400
