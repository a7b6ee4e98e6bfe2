"""Reading a bot's /metrics the way Prometheus does: the text parsed by prometheus-client."""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def scrape(web_url: str, token: str | None = None) -> dict[str, Any]:
    """name → family; raises when the answer is not 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{web_url}/metrics", headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample_value(families: dict[str, Any], sample_name: str, **labels: str) -> float:
    """The sum of the samples named `sample_name` whose labels include `labels` (0 if none)."""
    family_name = sample_name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
    family_name = family_name.removesuffix("_bucket")
    family = families.get(family_name)
    if family is None:
        return 0.0
    return sum(
        sample.value
        for sample in family.samples
        if sample.name == sample_name
        and all(sample.labels.get(key) == value for key, value in labels.items())
    )


def grew(before: dict[str, Any], after: dict[str, Any], sample_name: str, **labels: str) -> float:
    """How much the samples named `sample_name` with `labels` grew between two scrapes."""
    return sample_value(after, sample_name, **labels) - sample_value(before, sample_name, **labels)


def samples(families: dict[str, Any], name: str, **labels: str) -> list[Any]:
    """The samples of the family `name` whose labels include `labels`."""
    family = families.get(name)
    if family is None:
        return []
    return [
        sample
        for sample in family.samples
        if all(sample.labels.get(key) == value for key, value in labels.items())
    ]
