"""The chart, production-shaped (issue 17): NetworkPolicies, probes, disruption budgets, spread,
the migrations Job's wait and retries, PgBouncer, checksums, S3 media, metrics and the
custom-domain edge. Rendered offline and validated as in test_helm_chart.py."""

from __future__ import annotations

import copy
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest

from tests.deploy.test_helm_chart import (
    CHART,
    KUBERNETES_VERSION,
    _by_kind_and_name,
    _container,
    _manifests,
    _render,
)

Manifests = dict[tuple[str, str], dict[str, Any]]
APP_DEPLOYMENTS = ("entraide-web", "entraide-worker", "entraide-beat")
S3_VALUES = {
    "media": {
        "storage": "s3",
        "s3": {
            "bucket": "entraide-media",
            "endpointUrl": "https://s3.fr-par.scw.cloud",
            "region": "fr-par",
            "publicBaseUrl": "https://cdn.entraide.fr",
        },
    }
}
EDGE_VALUES = {"edge": {"enabled": True, "acmeEmail": "ops@entraide.fr"}}


def _render_manifests(values: dict[str, Any] | None = None) -> Manifests:
    return _by_kind_and_name(_manifests(_render(values)))


def _validate(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every manifest valid against the Kubernetes schemas; CRDs (ServiceMonitor) have none."""
    manifests = _manifests(_render(values))
    for manifest in manifests:
        if manifest["apiVersion"].startswith("monitoring.coreos.com/"):
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    return manifests


def _schema_refuses(values: dict[str, Any]) -> None:
    chart = helm.Chart.load(CHART)
    with pytest.raises(helm.HelmError):
        chart.validate_schema(chart.merge_values(copy.deepcopy(values)))


def _pod(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["spec"]["template"]["spec"]


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


@pytest.fixture(scope="module")
def manifests() -> Manifests:
    return _render_manifests()


def _everything_on() -> dict[str, Any]:
    """S3, SMTP, PgBouncer, ServiceMonitor, dashboard, the edge."""
    values = copy.deepcopy(S3_VALUES) | copy.deepcopy(EDGE_VALUES)
    values["config"] = {"emailHost": "smtp.entraide.fr"}
    values["database"] = {"connMaxAge": 0, "pgbouncer": {"enabled": True}}
    values["metrics"] = {"serviceMonitor": {"enabled": True}, "grafanaDashboard": {"enabled": True}}
    return values


@pytest.fixture(scope="module")
def production() -> Manifests:
    return _by_kind_and_name(_validate(_everything_on()))


def test_everything_on_lints_clean_in_strict_mode():
    report = helm.lint(
        CHART, _everything_on(), strict=True, kube_version=f"v{KUBERNETES_VERSION}.0"
    )

    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_everything_on_renders_valid_kubernetes(production):
    assert len(production) == 24
    assert sorted(key for key in production if key[0] in {"NetworkPolicy", "Service"}) == [
        ("NetworkPolicy", "entraide-beat"),
        ("NetworkPolicy", "entraide-default-deny"),
        ("NetworkPolicy", "entraide-edge"),
        ("NetworkPolicy", "entraide-migrations"),
        ("NetworkPolicy", "entraide-web"),
        ("NetworkPolicy", "entraide-worker"),
        ("Service", "entraide-edge"),
        ("Service", "entraide-metrics"),
        ("Service", "entraide-web"),
    ]


# --- NetworkPolicies ----------------------------------------------------------------------------


def _ports(rule: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(port["protocol"], port["port"]) for port in rule.get("ports", [])]


def _egress_ports(policy: dict[str, Any]) -> set[Any]:
    return {port for rule in policy["spec"]["egress"] for _, port in _ports(rule)}


def test_every_pod_of_the_release_starts_from_deny_all(manifests):
    deny = manifests[("NetworkPolicy", "entraide-default-deny")]["spec"]

    assert deny == {
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "entraide",
                "app.kubernetes.io/instance": "entraide",
            }
        },
        "policyTypes": ["Ingress", "Egress"],
    }
    # Every pod template of the release carries those labels, so the policy selects it.
    for key, manifest in manifests.items():
        if key[0] in {"Deployment", "Job"}:
            labels = manifest["spec"]["template"]["metadata"]["labels"]
            assert deny["podSelector"]["matchLabels"].items() <= labels.items(), key


def test_web_accepts_the_ingress_controller_on_http_and_monitoring_on_metrics(manifests):
    web = manifests[("NetworkPolicy", "entraide-web")]["spec"]

    assert web["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    pages, metrics = web["ingress"]
    assert pages == {
        "from": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                },
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
            }
        ],
        "ports": [{"protocol": "TCP", "port": "http"}],
    }
    assert metrics == {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ],
        "ports": [{"protocol": "TCP", "port": "metrics"}],
    }
    # The named ports exist on the web container.
    ports = {
        port["name"] for port in _container(manifests[("Deployment", "entraide-web")])["ports"]
    }
    assert ports == {"http", "metrics"}


def test_the_ingress_controller_and_monitoring_selectors_come_from_values():
    values = {
        "networkPolicy": {
            "ingressController": [
                {
                    "namespaceSelector": {"matchLabels": {"name": "traefik"}},
                    "podSelector": {"matchLabels": {"app": "traefik"}},
                }
            ],
            "monitoring": [
                {
                    "namespaceSelector": {"matchLabels": {"name": "observability"}},
                    "podSelector": {"matchLabels": {"app": "prometheus"}},
                }
            ],
        }
    }
    web = _render_manifests(values)[("NetworkPolicy", "entraide-web")]["spec"]

    assert [rule["from"] for rule in web["ingress"]] == [
        [
            {
                "namespaceSelector": {"matchLabels": {"name": "traefik"}},
                "podSelector": {"matchLabels": {"app": "traefik"}},
            }
        ],
        [
            {
                "namespaceSelector": {"matchLabels": {"name": "observability"}},
                "podSelector": {"matchLabels": {"app": "prometheus"}},
            }
        ],
    ]


def test_worker_accepts_only_metrics_scraping_and_beat_nothing(manifests):
    worker = manifests[("NetworkPolicy", "entraide-worker")]["spec"]
    beat = manifests[("NetworkPolicy", "entraide-beat")]["spec"]
    migrations = manifests[("NetworkPolicy", "entraide-migrations")]["spec"]

    (rule,) = worker["ingress"]
    assert _ports(rule) == [("TCP", "metrics")]
    assert rule["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }
    assert beat["ingress"] == []
    assert migrations["ingress"] == []
    for spec in (worker, beat, migrations):
        assert spec["policyTypes"] == ["Ingress", "Egress"]
    # Without metrics, the worker accepts nothing at all.
    bare = _render_manifests({"metrics": {"enabled": False}})
    assert bare[("NetworkPolicy", "entraide-worker")]["spec"]["ingress"] == []
    assert len(bare[("NetworkPolicy", "entraide-web")]["spec"]["ingress"]) == 1


def test_egress_goes_to_dns_the_database_redis_and_public_https_only(manifests):
    for component in ("web", "worker", "beat"):
        policy = manifests[("NetworkPolicy", f"entraide-{component}")]
        dns, database, redis, https = policy["spec"]["egress"]
        assert dns == {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
        assert database == {"ports": [{"protocol": "TCP", "port": 5432}]}
        assert redis == {"ports": [{"protocol": "TCP", "port": 6379}]}
        assert _ports(https) == [("TCP", 443)]
        v4, v6 = https["to"]
        assert v4["ipBlock"]["cidr"] == "0.0.0.0/0"
        # The cluster's own ranges and the cloud metadata address stay closed.
        assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(
            v4["ipBlock"]["except"]
        )
        assert v6["ipBlock"] == {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}
    # No SMTP (no host configured) and no S3 (local media) by default.
    assert _egress_ports(manifests[("NetworkPolicy", "entraide-web")]) == {53, 5432, 6379, 443}


def test_egress_peers_smtp_s3_and_pinned_https_come_from_values():
    database_peer = {"ipBlock": {"cidr": "10.20.0.5/32"}}
    redis_peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}
    values = copy.deepcopy(S3_VALUES)
    values["config"] = {"emailHost": "smtp.entraide.fr"}
    values["networkPolicy"] = {
        "egress": {
            "database": {"ports": [5432, 6432], "to": [database_peer]},
            "redis": {"ports": [6379], "to": [redis_peer]},
            "smtp": {"ports": [587], "to": [{"ipBlock": {"cidr": "192.0.2.25/32"}}]},
            "s3": {"ports": [443], "to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}]},
            "https": {"allowAll": False, "cidrs": ["3.18.12.63/32", "13.235.14.237/32"]},
        }
    }
    manifests = _by_kind_and_name(_validate(values))

    _, database, redis, smtp, s3, https = manifests[("NetworkPolicy", "entraide-web")]["spec"][
        "egress"
    ]
    assert database == {
        "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6432}],
        "to": [database_peer],
    }
    assert redis["to"] == [redis_peer]
    assert smtp["to"] == [{"ipBlock": {"cidr": "192.0.2.25/32"}}]
    assert s3["to"] == [{"ipBlock": {"cidr": "198.51.100.0/24"}}]
    assert https == {
        "ports": [{"protocol": "TCP", "port": 443}],
        "to": [{"ipBlock": {"cidr": "3.18.12.63/32"}}, {"ipBlock": {"cidr": "13.235.14.237/32"}}],
    }
    # Beat sends no mail and stores no file.
    beat = manifests[("NetworkPolicy", "entraide-beat")]["spec"]["egress"]
    assert [rule.get("to") for rule in beat[1:]] == [
        [database_peer],
        [redis_peer],
        https["to"],
    ]
    # Neither pinned CIDRs nor allowAll: no HTTPS at all.
    closed = _render_manifests({"networkPolicy": {"egress": {"https": {"allowAll": False}}}})
    assert _egress_ports(closed[("NetworkPolicy", "entraide-worker")]) == {53, 5432, 6379}


def test_the_migrations_job_reaches_the_database_and_dns_only(manifests):
    policy = manifests[("NetworkPolicy", "entraide-migrations")]["spec"]

    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "migrations"
    dns, database = policy["egress"]
    assert _ports(dns) == [("UDP", 53), ("TCP", 53)]
    assert database == {"ports": [{"protocol": "TCP", "port": 5432}]}
    job_labels = manifests[("Job", "entraide-migrations")]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= job_labels.items()


def test_network_policies_can_be_left_out():
    manifests = _render_manifests({"networkPolicy": {"enabled": False}})

    assert not [key for key in manifests if key[0] == "NetworkPolicy"]


# --- probes, disruption budgets, spread --------------------------------------------------------


def test_web_has_a_startup_probe_so_a_slow_start_is_not_killed(manifests):
    web = _container(manifests[("Deployment", "entraide-web")])

    assert web["startupProbe"] == {
        "httpGet": {"path": "/healthz", "port": "http"},
        "periodSeconds": 5,
        "timeoutSeconds": 3,
        "failureThreshold": 30,
    }
    # Liveness and readiness start after it: no initial delay of their own.
    assert web["livenessProbe"]["initialDelaySeconds"] == 0
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_worker_and_beat_liveness_run_their_own_probe_commands(manifests):
    worker = _container(manifests[("Deployment", "entraide-worker")])
    beat = _container(manifests[("Deployment", "entraide-beat")])

    assert worker["livenessProbe"]["exec"] == {
        "command": ["python", "-m", "config.probes", "worker"]
    }
    assert beat["livenessProbe"]["exec"] == {"command": ["python", "-m", "config.probes", "beat"]}
    for container in (worker, beat):
        assert "httpGet" not in container["livenessProbe"]
        assert "readinessProbe" not in container
        assert "startupProbe" not in container
    # The heartbeat files live under /tmp, a writable emptyDir.
    assert "/tmp" in {mount["mountPath"] for mount in beat["volumeMounts"]}
    off = _render_manifests(
        {
            "worker": {"probes": {"liveness": {"enabled": False}}},
            "beat": {"probes": {"liveness": {"enabled": False}}},
        }
    )
    assert "livenessProbe" not in _container(off[("Deployment", "entraide-worker")])
    assert "livenessProbe" not in _container(off[("Deployment", "entraide-beat")])


def test_workers_have_a_disruption_budget(manifests):
    budget = manifests[("PodDisruptionBudget", "entraide-worker")]["spec"]

    assert budget == {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "entraide",
                "app.kubernetes.io/instance": "entraide",
                "app.kubernetes.io/component": "worker",
            }
        },
    }
    assert manifests[("PodDisruptionBudget", "entraide-web")]["spec"]["minAvailable"] == 1
    other = _render_manifests(
        {"worker": {"podDisruptionBudget": {"maxUnavailable": None, "minAvailable": "50%"}}}
    )
    assert other[("PodDisruptionBudget", "entraide-worker")]["spec"]["minAvailable"] == "50%"
    assert "maxUnavailable" not in other[("PodDisruptionBudget", "entraide-worker")]["spec"]
    off = _render_manifests({"worker": {"podDisruptionBudget": {"enabled": False}}})
    assert ("PodDisruptionBudget", "entraide-worker") not in off


def test_web_and_worker_spread_over_zones_then_nodes(manifests):
    for component in ("web", "worker"):
        constraints = _pod(manifests[("Deployment", f"entraide-{component}")])[
            "topologySpreadConstraints"
        ]
        selector = {
            "matchLabels": {
                "app.kubernetes.io/name": "entraide",
                "app.kubernetes.io/instance": "entraide",
                "app.kubernetes.io/component": component,
            }
        }
        assert constraints == [
            {
                "topologyKey": key,
                "maxSkew": 1,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
                "matchLabelKeys": ["pod-template-hash"],
            }
            for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        ]
    assert "topologySpreadConstraints" not in _pod(manifests[("Deployment", "entraide-beat")])
    strict = _render_manifests(
        {
            "web": {
                "topologySpread": [
                    {
                        "topologyKey": "topology.kubernetes.io/zone",
                        "maxSkew": 2,
                        "whenUnsatisfiable": "DoNotSchedule",
                    }
                ]
            }
        }
    )
    (only,) = _pod(strict[("Deployment", "entraide-web")])["topologySpreadConstraints"]
    assert (only["maxSkew"], only["whenUnsatisfiable"]) == (2, "DoNotSchedule")
    none = _render_manifests({"worker": {"topologySpread": []}})
    assert "topologySpreadConstraints" not in _pod(none[("Deployment", "entraide-worker")])


# --- the migrations Job ------------------------------------------------------------------------


def test_migrations_wait_for_the_database_then_retry_within_a_deadline(manifests):
    job = manifests[("Job", "entraide-migrations")]
    pod = _pod(job)

    (wait,) = pod["initContainers"]
    assert wait["command"] == ["python", "manage.py", "wait_for_database", "--timeout=120"]
    assert wait["image"] == _container(job)["image"]
    assert wait["env"] == _container(job)["env"]
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["activeDeadlineSeconds"] == 1800
    assert pod["restartPolicy"] == "Never"
    # A succeeded Job goes; a failed one stays, with its pods' logs, until the next upgrade.
    policy = job["metadata"]["annotations"]["helm.sh/hook-delete-policy"].split(",")
    assert policy == ["before-hook-creation", "hook-succeeded"]
    assert "ttlSecondsAfterFinished" not in job["spec"]
    # Idempotent steps only: each migrates what is missing; the template is rebuilt whole.
    steps = _container(job)["command"][2].splitlines()
    assert all(step.startswith("python manage.py ") for step in steps)
    assert not [step for step in steps if "--fake" in step or "flush" in step or "reset" in step]

    tuned = _render_manifests({"migrations": {"waitForDatabaseSeconds": 300, "backoffLimit": 5}})[
        ("Job", "entraide-migrations")
    ]
    assert _pod(tuned)["initContainers"][0]["command"][-1] == "--timeout=300"
    assert tuned["spec"]["backoffLimit"] == 5


def test_behind_pgbouncer_the_app_pools_in_session_mode_and_migrations_go_direct(production):
    config = production[("ConfigMap", "entraide-config")]["data"]
    assert config["DATABASE_POOL_MODE"] == "session"
    assert config["DATABASE_CONN_MAX_AGE"] == "0"
    for name in APP_DEPLOYMENTS:
        env = _env(_container(production[("Deployment", name)]))
        assert env["DATABASE_URL"]["secretKeyRef"]["key"] == "DATABASE_URL"
    job = production[("Job", "entraide-migrations")]
    for container in (_container(job), _pod(job)["initContainers"][0]):
        env = _env(container)
        assert env["DATABASE_URL"]["secretKeyRef"] == {
            "name": "entraide",
            "key": "DATABASE_DIRECT_URL",
        }
        assert env["DATABASE_POOL_MODE"] == "direct"
        assert [item["name"] for item in container["env"]].count("DATABASE_URL") == 1


def test_without_pgbouncer_everything_connects_directly(manifests):
    assert manifests[("ConfigMap", "entraide-config")]["data"]["DATABASE_POOL_MODE"] == "direct"
    env = _env(_container(manifests[("Job", "entraide-migrations")]))
    assert env["DATABASE_URL"]["secretKeyRef"]["key"] == "DATABASE_URL"


def test_transaction_pooling_is_refused_by_the_schema():
    _schema_refuses({"database": {"pgbouncer": {"enabled": True, "poolMode": "transaction"}}})


# --- checksums ---------------------------------------------------------------------------------


def _annotations(manifests: Manifests, name: str) -> dict[str, str]:
    return manifests[("Deployment", name)]["spec"]["template"]["metadata"]["annotations"]


def test_pods_roll_when_the_secret_revision_changes(manifests):
    before = {_annotations(manifests, name)["checksum/secret"] for name in APP_DEPLOYMENTS}
    rotated = _render_manifests({"secrets": {"revision": "2026-12-04 key rotation"}})
    after = {_annotations(rotated, name)["checksum/secret"] for name in APP_DEPLOYMENTS}

    assert len(before) == len(after) == 1
    assert before != after
    # The ConfigMap did not change: neither did its checksum.
    assert {_annotations(rotated, name)["checksum/config"] for name in APP_DEPLOYMENTS} == {
        _annotations(manifests, name)["checksum/config"] for name in APP_DEPLOYMENTS
    }


def test_pods_roll_when_a_setting_changes(manifests):
    changed = _render_manifests(S3_VALUES)

    for name in APP_DEPLOYMENTS:
        assert (
            _annotations(changed, name)["checksum/config"]
            != _annotations(manifests, name)["checksum/config"]
        )
        assert (
            _annotations(changed, name)["checksum/secret"]
            == _annotations(manifests, name)["checksum/secret"]
        )


# --- S3 media ----------------------------------------------------------------------------------


def test_s3_media_settings_go_to_the_configmap_and_keys_come_from_the_secret(production):
    config = production[("ConfigMap", "entraide-config")]["data"]

    assert {key: value for key, value in config.items() if key.startswith("S3_")} == {
        "S3_BUCKET": "entraide-media",
        "S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
        "S3_REGION": "fr-par",
        "S3_ADDRESSING_STYLE": "path",
        "S3_SIGNED_URL_SECONDS": "3600",
        "S3_PUBLIC_BASE_URL": "https://cdn.entraide.fr",
    }
    assert config["MEDIA_STORAGE"] == "s3"
    for name in ("entraide-web", "entraide-worker"):
        container = _container(production[("Deployment", name)])
        env = _env(container)
        assert env["S3_ACCESS_KEY_ID"]["secretKeyRef"] == {
            "name": "entraide",
            "key": "S3_ACCESS_KEY_ID",
        }
        assert env["S3_SECRET_ACCESS_KEY"]["secretKeyRef"] == {
            "name": "entraide",
            "key": "S3_SECRET_ACCESS_KEY",
        }
        # No media volume at all: nothing is written to the pod's disk.
        assert "media" not in {
            volume["name"] for volume in _pod(production[("Deployment", name)])["volumes"]
        }
        assert "/app/var/media" not in {mount["mountPath"] for mount in container["volumeMounts"]}


def test_s3_keys_from_another_secret_or_from_the_pods_identity():
    values = copy.deepcopy(S3_VALUES)
    values["media"]["s3"]["credentials"] = {
        "fromSecret": True,
        "existingSecret": "entraide-s3",
        "accessKeyIdKey": "access",
        "secretAccessKeyKey": "secret",
    }
    env = _env(_container(_render_manifests(values)[("Deployment", "entraide-web")]))
    assert env["S3_ACCESS_KEY_ID"]["secretKeyRef"] == {"name": "entraide-s3", "key": "access"}
    assert env["S3_SECRET_ACCESS_KEY"]["secretKeyRef"] == {"name": "entraide-s3", "key": "secret"}

    values["media"]["s3"]["credentials"] = {"fromSecret": False}
    env = _env(_container(_render_manifests(values)[("Deployment", "entraide-web")]))
    assert not {"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"} & set(env)


def test_local_media_keeps_its_volume_and_no_s3_setting(manifests):
    config = manifests[("ConfigMap", "entraide-config")]["data"]

    assert config["MEDIA_STORAGE"] == "local"
    assert not [key for key in config if key.startswith("S3_")]
    web = manifests[("Deployment", "entraide-web")]
    assert {"name": "media", "emptyDir": {}} in _pod(web)["volumes"]
    assert not {"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"} & set(_env(_container(web)))


@pytest.mark.parametrize(
    "media",
    [
        {"storage": "s3"},
        {"storage": "s3", "s3": {"bucket": ""}},
        {"storage": "gcs"},
        {"storage": "s3", "s3": {"bucket": "b-1", "addressingStyle": "dns"}},
        {"storage": "s3", "s3": {"bucket": "b-1", "endpointUrl": "s3.example.fr"}},
        {"storage": "s3", "s3": {"bucket": "b-1", "credentials": {"fromSecret": True, "x": 1}}},
    ],
    ids=["no-bucket", "empty-bucket", "storage", "addressing", "endpoint-url", "typo"],
)
def test_values_schema_refuses_bad_s3_values(media):
    _schema_refuses({"media": media})


# --- metrics -----------------------------------------------------------------------------------


def test_web_and_worker_expose_metrics_on_an_internal_port(manifests):
    config = manifests[("ConfigMap", "entraide-config")]["data"]
    assert config["METRICS_PORT"] == "9100"
    assert config["METRICS_ADDRESS"] == "0.0.0.0"  # the pod's address, not loopback only
    for name in ("entraide-web", "entraide-worker"):
        deployment = manifests[("Deployment", name)]
        container = _container(deployment)
        assert {"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in container["ports"]
        assert _env(container)["PROMETHEUS_MULTIPROC_DIR"] == "/app/var/prometheus"
        assert {"name": "prometheus-multiproc", "mountPath": "/app/var/prometheus"} in container[
            "volumeMounts"
        ]
        assert {"name": "prometheus-multiproc", "emptyDir": {}} in _pod(deployment)["volumes"]
        template = deployment["spec"]["template"]["metadata"]
        assert template["labels"]["entraide.app/metrics"] == "true"
        assert {
            key: value for key, value in template["annotations"].items() if "prometheus" in key
        } == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "9100",
            "prometheus.io/path": "/metrics",
        }
    web = _container(manifests[("Deployment", "entraide-web")])
    assert web["command"][:3] == [
        "gunicorn",
        "config.wsgi:application",
        "--config=python:config.gunicorn",
    ]
    # Beat has no metrics port, and the public Service never carries the metrics port.
    beat = manifests[("Deployment", "entraide-beat")]
    assert "ports" not in _container(beat)
    assert "entraide.app/metrics" not in beat["spec"]["template"]["metadata"]["labels"]
    assert [port["name"] for port in manifests[("Service", "entraide-web")]["spec"]["ports"]] == [
        "http"
    ]


def test_the_metrics_service_selects_web_and_worker_pods(manifests):
    service = manifests[("Service", "entraide-metrics")]["spec"]

    assert service["clusterIP"] == "None"
    assert service["ports"] == [
        {"name": "metrics", "port": 9100, "targetPort": "metrics", "protocol": "TCP"}
    ]
    for key, manifest in manifests.items():
        if key[0] != "Deployment":
            continue
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        selected = service["selector"].items() <= labels.items()
        assert selected == (key[1] in {"entraide-web", "entraide-worker"}), key


def test_service_monitor_is_off_by_default_and_scrapes_the_metrics_service(manifests, production):
    assert not [key for key in manifests if key[0] == "ServiceMonitor"]

    monitor = production[("ServiceMonitor", "entraide")]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "entraide",
        "app.kubernetes.io/instance": "entraide",
        "app.kubernetes.io/component": "metrics",
    }
    assert (
        monitor["spec"]["selector"]["matchLabels"].items()
        <= production[("Service", "entraide-metrics")]["metadata"]["labels"].items()
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["entraide"]}
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
    ]


def test_metrics_off_removes_port_volume_and_service():
    manifests = _render_manifests({"metrics": {"enabled": False}})

    assert ("Service", "entraide-metrics") not in manifests
    web = manifests[("Deployment", "entraide-web")]
    assert [port["name"] for port in _container(web)["ports"]] == ["http"]
    assert "PROMETHEUS_MULTIPROC_DIR" not in _env(_container(web))
    assert "METRICS_PORT" not in manifests[("ConfigMap", "entraide-config")]["data"]
    assert "METRICS_ADDRESS" not in manifests[("ConfigMap", "entraide-config")]["data"]
    assert "ports" not in _container(manifests[("Deployment", "entraide-worker")])


# --- the custom-domain edge --------------------------------------------------------------------


def test_the_edge_asks_the_app_before_any_certificate(production):
    caddyfile = production[("ConfigMap", "entraide-edge")]["data"]["Caddyfile"]

    assert "ask http://entraide-web.entraide.svc:80/tls-ask\n" in caddyfile
    assert "    on_demand\n" in caddyfile
    assert "email ops@entraide.fr\n" in caddyfile
    assert "reverse_proxy http://entraide-web.entraide.svc:80\n" in caddyfile
    assert "storage file_system /data\n" in caddyfile
    deployment = production[("Deployment", "entraide-edge")]
    pod = _pod(deployment)
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "entraide-edge"}
    assert volumes["caddyfile"]["configMap"] == {"name": "entraide-edge"}
    claim = production[("PersistentVolumeClaim", "entraide-edge")]
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    service = production[("Service", "entraide-edge")]["spec"]
    assert (service["type"], service["externalTrafficPolicy"]) == ("LoadBalancer", "Local")
    assert [(port["port"], port["targetPort"]) for port in service["ports"]] == [
        (80, "http"),
        (443, "https"),
    ]
    assert _container(deployment)["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_the_edge_reaches_web_and_the_ca_and_web_accepts_it(production):
    web = production[("NetworkPolicy", "entraide-web")]["spec"]
    edge = production[("NetworkPolicy", "entraide-edge")]["spec"]
    edge_selector = {
        "matchLabels": {
            "app.kubernetes.io/name": "entraide",
            "app.kubernetes.io/instance": "entraide",
            "app.kubernetes.io/component": "edge",
        }
    }

    assert web["ingress"][0]["from"][1] == {"podSelector": edge_selector}
    assert edge["podSelector"] == edge_selector
    (public,) = edge["ingress"]
    assert "from" not in public
    assert _ports(public) == [("TCP", "http"), ("TCP", "https")]
    _, to_web, to_ca = edge["egress"]
    assert to_web["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    assert _ports(to_web) == [("TCP", 8000)]
    assert _ports(to_ca) == [("TCP", 443), ("TCP", 80)]


def test_the_edge_rolls_when_its_caddyfile_changes(production):
    other = copy.deepcopy(EDGE_VALUES)
    other["edge"]["acmeCA"] = "https://acme-staging-v02.api.letsencrypt.org/directory"
    changed = _render_manifests(other)

    before = _annotations(production, "entraide-edge")["checksum/edge-config"]
    assert _annotations(changed, "entraide-edge")["checksum/edge-config"] != before
    assert (
        "acme_ca https://acme-staging-v02.api.letsencrypt.org/directory"
        in changed[("ConfigMap", "entraide-edge")]["data"]["Caddyfile"]
    )


def test_the_edge_is_off_by_default_and_needs_its_settings(manifests):
    assert not [key for key in manifests if key[1].endswith("-edge")]

    with pytest.raises(helm.HelmError, match="acmeEmail"):
        _render({"edge": {"enabled": True}})
    with pytest.raises(helm.HelmError, match="needs edge.persistence.existingClaim"):
        _render({"edge": {"enabled": True, "acmeEmail": "ops@entraide.fr", "replicas": 2}})
    shared = _render_manifests(
        {
            "edge": {
                "enabled": True,
                "acmeEmail": "ops@entraide.fr",
                "replicas": 2,
                "persistence": {"existingClaim": "caddy-rwx"},
            }
        }
    )
    assert ("PersistentVolumeClaim", "entraide-edge") not in shared
    deployment = shared[("Deployment", "entraide-edge")]
    assert deployment["spec"]["replicas"] == 2
    assert "strategy" not in deployment["spec"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "caddy-rwx"}} in _pod(
        deployment
    )["volumes"]


@pytest.mark.parametrize(
    "values",
    [
        {"edge": {"enabled": True, "acmeEmail": "not-an-address"}},
        {"edge": {"enabled": True, "acmeEmail": "ops@entraide.fr", "acmeCA": "http://ca"}},
        {"networkPolicy": {"egress": {"https": {"allowAll": False, "cidrs": ["stripe.com"]}}}},
        {"networkPolicy": {"egress": {"database": {"ports": [], "to": []}}}},
        {"networkPolicy": {"egress": {"redis": {"ports": [6379], "to": [{}]}}}},
        {"networkPolicy": {"ingressController": []}},
        {"networkPolicy": {"monitoring": {"namespaceSelector": {}}}},
        {"worker": {"podDisruptionBudget": {"enabled": True, "minAvailable": 1}}},
        {"web": {"topologySpread": [{"topologyKey": "zone", "maxSkew": 0}]}},
        {"metrics": {"port": 80}},
        {"migrations": {"waitForDatabaseSeconds": 0}},
        {"secrets": {"revision": 3}},
    ],
    ids=[
        "acme-email",
        "acme-ca-http",
        "https-cidr",
        "no-database-port",
        "empty-peer",
        "no-ingress-peer",
        "peer-not-a-list",
        "both-budgets",
        "spread",
        "metrics-port",
        "wait",
        "revision-type",
    ],
)
def test_values_schema_refuses_bad_production_values(values):
    _schema_refuses(values)
