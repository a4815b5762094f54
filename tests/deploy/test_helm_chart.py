"""The Helm chart, rendered offline (Helm v4 from PyPI's helm-python-sdk, no cluster) and every
manifest validated against the Kubernetes API schemas (kubernetes-validate, strict)."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "entraide"
KUBERNETES_VERSION = "1.30"


def _render(values: dict[str, Any] | None = None, *, upgrade: bool = False) -> dict[str, str]:
    chart = helm.Chart.load(CHART)
    return chart.render(
        values or {},
        name="entraide",
        namespace="entraide",
        is_install=not upgrade,
        is_upgrade=upgrade,
    )


def _manifests(rendered: dict[str, str]) -> list[dict[str, Any]]:
    documents = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        documents += [doc for doc in yaml.safe_load_all(text) if doc]
    return documents


def _by_kind_and_name(manifests: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in manifests}


def _container(manifest: dict[str, Any]) -> dict[str, Any]:
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    return container


@pytest.fixture(scope="module")
def default_manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return _by_kind_and_name(_manifests(_render()))


def test_chart_lints_clean_in_strict_mode():
    report = helm.lint(CHART, strict=True, kube_version=f"v{KUBERNETES_VERSION}.0")

    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_default_render_has_every_component(default_manifests):
    assert sorted(default_manifests) == [
        ("ConfigMap", "entraide-config"),
        ("Deployment", "entraide-beat"),
        ("Deployment", "entraide-web"),
        ("Deployment", "entraide-worker"),
        ("HorizontalPodAutoscaler", "entraide-web"),
        ("Ingress", "entraide"),
        ("Job", "entraide-migrations"),
        ("NetworkPolicy", "entraide-beat"),
        ("NetworkPolicy", "entraide-default-deny"),
        ("NetworkPolicy", "entraide-migrations"),
        ("NetworkPolicy", "entraide-web"),
        ("NetworkPolicy", "entraide-worker"),
        ("PodDisruptionBudget", "entraide-web"),
        ("PodDisruptionBudget", "entraide-worker"),
        ("Service", "entraide-metrics"),
        ("Service", "entraide-web"),
        ("ServiceAccount", "entraide"),
    ]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {
            "web": {"autoscaling": {"enabled": False}, "podDisruptionBudget": {"enabled": False}},
            "worker": {
                "autoscaling": {"enabled": True},
                "probes": {"liveness": {"enabled": False}},
            },
            "beat": {"replicas": 0},
            "media": {"existingClaim": "entraide-media"},
            "exports": {"existingClaim": "entraide-exports"},
            "ingress": {
                "className": "nginx",
                "tlsSecretName": "entraide-wildcard",
                "extraHosts": [{"host": "jemengage.paris.fr", "tlsSecretName": "paris-tls"}],
            },
            "imagePullSecrets": [{"name": "registry"}],
            "config": {"extraEnv": {"FEATURE_X": "on"}},
        },
        {"migrations": {"enabled": False}, "ingress": {"enabled": False}},
    ],
    ids=["defaults", "everything-on", "minimal"],
)
def test_every_manifest_is_valid_kubernetes(values):
    manifests = _manifests(_render(values))

    assert manifests
    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_migrations_run_as_a_pre_install_and_pre_upgrade_hook_with_a_deadline(default_manifests):
    job = default_manifests[("Job", "entraide-migrations")]

    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["activeDeadlineSeconds"] == 1800
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    container = _container(job)
    assert container["command"][:2] == ["sh", "-ec"]
    # Migrations: shared schema, tenant schemas, then the template (see test_helm_production.py
    # for the wait for the database and the retries).
    assert container["command"][2].splitlines() == [
        "python manage.py migrate_schemas --shared --noinput",
        "python manage.py migrate_tenants --processes=2",
        "python manage.py tenant_template --rebuild",
    ]
    # The ConfigMap does not exist yet at pre-install: the job carries the settings itself.
    assert "envFrom" not in container
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["BASE_DOMAIN"] == "entraide.example"
    assert env["TENANT_MULTIPROCESSING_MAX_PROCESSES"] == "2"


def test_upgrade_renders_the_same_hook(default_manifests):
    upgraded = _by_kind_and_name(_manifests(_render(upgrade=True)))

    assert (
        upgraded[("Job", "entraide-migrations")]
        == default_manifests[("Job", "entraide-migrations")]
    )


def test_web_probes_use_healthz_and_readyz(default_manifests):
    web = _container(default_manifests[("Deployment", "entraide-web")])

    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["command"][:2] == ["gunicorn", "config.wsgi:application"]


def test_credentials_come_only_from_the_existing_secret(default_manifests):
    assert not [key for key in default_manifests if key[0] == "Secret"]
    for name in ("entraide-web", "entraide-worker", "entraide-beat"):
        env = _container(default_manifests[("Deployment", name)])["env"]
        references = {
            item["name"]: item["valueFrom"]["secretKeyRef"] for item in env if "valueFrom" in item
        }
        assert set(references) == {
            "DJANGO_SECRET_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "ENTRAIDE_SECRET_ENCRYPTION_KEYS",
            "CELERY_BROKER_URL",
            "SENTRY_DSN",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "DJANGO_SECRET_KEY_FALLBACKS",
        }
        assert {ref["name"] for ref in references.values()} == {"entraide"}
        for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "ENTRAIDE_SECRET_ENCRYPTION_KEYS"):
            assert "optional" not in references[required]
        assert references["SENTRY_DSN"]["optional"] is True
    config = default_manifests[("ConfigMap", "entraide-config")]["data"]
    assert not {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} & set(config)


def _config_checksums(manifests: dict[tuple[str, str], dict[str, Any]]) -> set[str]:
    return {
        manifests[("Deployment", name)]["spec"]["template"]["metadata"]["annotations"][
            "checksum/config"
        ]
        for name in ("entraide-web", "entraide-worker", "entraide-beat")
    }


def test_pods_roll_when_the_config_changes(default_manifests):
    rendered_config = _render()["entraide/templates/configmap.yaml"]
    before = _config_checksums(default_manifests)
    changed = _by_kind_and_name(_manifests(_render({"config": {"logLevel": "DEBUG"}})))

    assert before == {hashlib.sha256(rendered_config.encode()).hexdigest()}
    after = _config_checksums(changed)
    assert len(after) == 1
    assert after != before


def test_components_scale_as_configured(default_manifests):
    web = default_manifests[("Deployment", "entraide-web")]
    hpa = default_manifests[("HorizontalPodAutoscaler", "entraide-web")]
    beat = default_manifests[("Deployment", "entraide-beat")]
    worker = default_manifests[("Deployment", "entraide-worker")]

    assert "replicas" not in web["spec"]  # the autoscaler owns it
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert worker["spec"]["replicas"] == 2
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}

    fixed = _by_kind_and_name(_manifests(_render({"web": {"autoscaling": {"enabled": False}}})))
    assert fixed[("Deployment", "entraide-web")]["spec"]["replicas"] == 2
    assert ("HorizontalPodAutoscaler", "entraide-web") not in fixed


def test_ingress_routes_the_base_domain_every_subdomain_and_custom_domains():
    values = {
        "config": {"baseDomain": "entraide.fr"},
        "ingress": {
            "tlsSecretName": "wildcard",
            "extraHosts": [{"host": "jemengage.paris.fr", "tlsSecretName": "paris-tls"}],
        },
    }
    ingress = _by_kind_and_name(_manifests(_render(values)))[("Ingress", "entraide")]

    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [
        "entraide.fr",
        "*.entraide.fr",
        "jemengage.paris.fr",
    ]
    assert ingress["spec"]["tls"] == [
        {"secretName": "wildcard", "hosts": ["entraide.fr", "*.entraide.fr"]},
        {"secretName": "paris-tls", "hosts": ["jemengage.paris.fr"]},
    ]


@pytest.mark.parametrize(
    "values",
    [
        {"beat": {"replicas": 2}},
        {"secrets": {"existingSecret": ""}},
        {"web": {"probes": {"liveness": {"path": "healthz"}}}},
        {"config": {"logLevel": "LOUD"}},
        {"wbe": {"replicas": 3}},
        {"config": {"extraEnv": {"lower-case": "x"}}},
    ],
    ids=["two-beats", "no-secret", "probe-path", "log-level", "typo", "env-name"],
)
def test_values_schema_refuses_bad_values(values):
    chart = helm.Chart.load(CHART)
    merged = chart.merge_values(copy.deepcopy(values))

    with pytest.raises(helm.HelmError):
        chart.validate_schema(merged)
    with pytest.raises(helm.HelmError):
        _render(values)


def test_pods_run_unprivileged_on_a_read_only_filesystem(default_manifests):
    for key, manifest in default_manifests.items():
        if key[0] not in {"Deployment", "Job"}:
            continue
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        container = _container(manifest)
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert "/tmp" in mounts


def test_config_trusts_the_ingress_and_derives_the_hosts(default_manifests):
    """One trusted proxy (the ingress) for client addresses; ALLOWED_HOSTS left to the settings
    (base domain and subdomains), never "*"."""
    config = default_manifests[("ConfigMap", "entraide-config")]["data"]

    assert config["TRUSTED_PROXY_COUNT"] == "1"
    assert config["DJANGO_ALLOWED_HOSTS"] == ""
