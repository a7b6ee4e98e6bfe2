"""The Grafana dashboard shipped in deploy/grafana reads only metrics the bot exports: a metric
renamed in services/metrics.py (or a state gauge renamed) without the dashboard fails here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client.metrics import MetricWrapperBase

from services import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "easyflow-dashboard.json"
METRIC_NAME = re.compile(rf"\b{metrics.PREFIX}_[a-zA-Z0-9_]+")
# The samples a metric of each type exposes, by suffix (prometheus-client's naming).
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}


def exported_metrics() -> dict[str, set[str]]:
    """Each metric's name → the sample names it exposes: the event metrics defined in
    services/metrics.py and the state gauges the modules' readers produce."""
    exported: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            [family] = value.describe()
            exported[family.name] = {family.name + s for s in SAMPLE_SUFFIXES[family.type]}
    for name in metrics.STATE_GAUGE_NAMES:
        exported[f"{metrics.PREFIX}_{name}"] = {f"{metrics.PREFIX}_{name}"}
    return exported


def all_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def expressions() -> list[str]:
    return [
        target["expr"]
        for panel in all_panels(dashboard()["panels"])
        for target in panel.get("targets", [])
    ]


def test_every_metric_a_panel_reads_is_exported() -> None:
    samples = set().union(*exported_metrics().values())
    used = {name for expr in expressions() for name in METRIC_NAME.findall(expr)}
    assert used, "the dashboard reads no metric at all"
    assert used - samples == set(), "the dashboard reads metrics the bot does not export"


def test_every_exported_metric_has_a_panel() -> None:
    used = {name for expr in expressions() for name in METRIC_NAME.findall(expr)}
    unread = {
        metric for metric, sample_names in exported_metrics().items() if not sample_names & used
    }
    assert unread == set()


def test_every_query_goes_to_the_prometheus_datasource_variable() -> None:
    board = dashboard()
    [variable] = [v for v in board["templating"]["list"] if v["name"] == "DS_PROMETHEUS"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    queried = [p for p in all_panels(board["panels"]) if p["type"] != "row"]
    assert queried
    for panel in queried:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}", panel["title"]
            assert METRIC_NAME.search(target["expr"]), target["expr"]
    ids = [panel["id"] for panel in all_panels(board["panels"])]
    assert len(ids) == len(set(ids))
    assert board["schemaVersion"] >= 38  # Grafana 10


def test_a_renamed_metric_is_caught() -> None:
    """The check above is not vacuous: a name the bot does not export is told apart."""
    samples = set().union(*exported_metrics().values())
    assert "easyflow_payments_total" in samples
    assert "easyflow_broadcast_recipients" in samples
    assert "easyflow_payment_total" not in samples
    assert "easyflow_payments" not in samples  # a counter is read as _total
