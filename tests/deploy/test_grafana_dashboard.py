"""The Grafana dashboard shipped in the chart (dashboards/entraide.json): well-formed dashboard
JSON whose every query reads a metric the application exports, under the exact names of the
metrics contract, and a ConfigMap for Grafana's dashboard sidecar when enabled."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.deploy.test_helm_chart import CHART, _by_kind_and_name, _manifests, _render

DASHBOARD = CHART / "dashboards" / "entraide.json"
# The metrics contract (issue 17): what web (django-prometheus, config/gunicorn.py) and the
# worker export. Histograms are queried through their _bucket/_sum/_count series.
COUNTERS_AND_GAUGES = {
    "django_http_requests_total_by_view_transport_method_total",
    "django_http_responses_total_by_status_view_method_total",
    "entraide_routing_cache_total",
    "entraide_celery_tasks_total",
    "entraide_celery_queue_length",
    "entraide_outbox_backlog",
    "entraide_outbox_oldest_seconds",
}
HISTOGRAMS = {
    "django_http_requests_latency_seconds_by_view_method",
    "entraide_celery_task_duration_seconds",
}
CONTRACT = COUNTERS_AND_GAUGES | HISTOGRAMS
# Label values the queries may name, by label (bounded, from the contract).
ROUTING_RESULTS = {"hit_local", "hit_shared", "miss", "fallback"}
TASK_OUTCOMES = {"succeeded", "failed", "retried"}
PANEL_TYPES = {"row", "timeseries", "stat", "gauge", "bargauge", "table", "heatmap", "text"}
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def _queries(dashboard: dict[str, Any]) -> list[str]:
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            expressions.append(variable["query"]["query"])
    return expressions


def _metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression reads: its identifiers, strings left out, that name
    an application metric (ours start with entraide_, django-prometheus' with django_)."""
    without_strings = _STRINGS.sub('""', expression)
    names = set()
    for identifier in _IDENTIFIER.findall(without_strings):
        if not identifier.startswith(("entraide_", "django_")):
            continue
        for suffix in ("_bucket", "_sum", "_count"):
            base = identifier.removesuffix(suffix)
            if base != identifier and base in HISTOGRAMS:
                identifier = base
                break
        names.add(identifier)
    return names


def test_the_dashboard_is_grafana_dashboard_json():
    dashboard = _dashboard()

    assert dashboard["title"] == "Entraide"
    assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"])
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert "id" not in dashboard  # Grafana assigns it on import
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = dashboard["panels"]
    assert len(panels) >= 12
    assert len({panel["id"] for panel in panels}) == len(panels)
    occupied: set[tuple[int, int]] = set()
    for panel in panels:
        assert panel["type"] in PANEL_TYPES, panel["title"]
        assert panel["title"]
        grid = panel["gridPos"]
        assert set(grid) == {"x", "y", "w", "h"}
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            assert "targets" not in panel
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        targets = panel["targets"]
        assert targets, panel["title"]
        assert len({target["refId"] for target in targets}) == len(targets)
        for target in targets:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
            assert target["expr"].count("{") == target["expr"].count("}"), target["expr"]
            assert target["datasource"] == panel["datasource"]


def test_every_query_reads_contract_metrics_and_every_contract_metric_is_shown():
    queried: set[str] = set()
    for expression in _queries(_dashboard()):
        names = _metric_names(expression)
        assert names, f"no application metric in {expression!r}"
        assert names <= CONTRACT, f"{names - CONTRACT} in {expression!r}"
        queried |= names

    assert queried == CONTRACT


def test_label_values_in_queries_are_the_contracts():
    for expression in _queries(_dashboard()):
        assert "tenant" not in expression  # no tenant label exists (bounded cardinality)
        for label, values in re.findall(r'(\w+)=~?"([^"]*)"', expression):
            if label == "result":
                assert set(values.split("|")) <= ROUTING_RESULTS, expression
            if label == "outcome":
                assert set(values.split("|")) <= TASK_OUTCOMES, expression


def test_latency_panel_shows_p50_p95_p99_from_the_histogram():
    panels = {panel["title"]: panel for panel in _dashboard()["panels"]}
    latency = panels["Latency p50 / p95 / p99"]

    quantiles = [
        re.match(r"histogram_quantile\((0\.\d+),", target["expr"]).group(1)  # type: ignore[union-attr]
        for target in latency["targets"]
    ]
    assert quantiles == ["0.5", "0.95", "0.99"]
    for target in latency["targets"]:
        assert "django_http_requests_latency_seconds_by_view_method_bucket" in target["expr"]
        assert "sum by (le)" in target["expr"]
    five_xx = panels["5xx ratio"]["targets"][0]["expr"]
    assert 'status=~"5.."' in five_xx


@pytest.mark.parametrize("enabled", [False, True])
def test_the_dashboard_configmap_is_labelled_for_grafanas_sidecar(enabled):
    values = {"metrics": {"grafanaDashboard": {"enabled": enabled, "labels": {"team": "ops"}}}}
    manifests = _by_kind_and_name(_manifests(_render(values)))

    key = ("ConfigMap", "entraide-dashboard")
    if not enabled:
        assert key not in manifests
        return
    config_map = manifests[key]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["labels"]["team"] == "ops"
    assert json.loads(config_map["data"]["entraide.json"]) == _dashboard()
