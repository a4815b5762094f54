"""The chart's custom domains: the tenants' verified domains get an Ingress of their own whose
cert-manager annotation makes one certificate per domain, never touching the wildcard one; the
list comes from `manage.py custom_domains_values`. Rendered offline and validated as in
test_helm_chart.py."""

from __future__ import annotations

import copy
from io import StringIO
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from django.core.management import call_command

from tenants.models import Domain
from tests.deploy.test_helm_chart import (
    CHART,
    KUBERNETES_VERSION,
    _by_kind_and_name,
    _manifests,
    _render,
)

HOSTS = ["benevolat.example-city.fr", "xn--bnvolat-byab.ville.fr"]


def _custom_values(**certmanager: str) -> dict[str, Any]:
    return {
        "config": {"baseDomain": "entraide.fr"},
        "ingress": {
            "className": "nginx",
            "tlsSecretName": "wildcard",
            "customDomains": {
                "hosts": HOSTS,
                "certManager": {"issuer": "letsencrypt", **certmanager},
            },
        },
    }


def test_without_custom_domains_there_is_no_second_ingress():
    manifests = _by_kind_and_name(_manifests(_render()))

    assert [key for key in manifests if key[0] == "Ingress"] == [("Ingress", "entraide")]


def test_custom_domains_get_an_ingress_with_a_certificate_each():
    manifests = _by_kind_and_name(_manifests(_render(_custom_values())))
    ingress = manifests[("Ingress", "entraide-custom-domains")]

    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [
        {"secretName": "entraide-tls-benevolat.example-city.fr", "hosts": [HOSTS[0]]},
        {"secretName": "entraide-tls-xn--bnvolat-byab.ville.fr", "hosts": [HOSTS[1]]},
    ]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == HOSTS
    for rule in ingress["spec"]["rules"]:
        (path,) = rule["http"]["paths"]
        assert path["backend"]["service"] == {"name": "entraide-web", "port": {"number": 80}}
    # The wildcard certificate's Ingress is left as it was: no issuer there.
    main = manifests[("Ingress", "entraide")]
    assert "annotations" not in main["metadata"]
    assert [rule["host"] for rule in main["spec"]["rules"]] == ["entraide.fr", "*.entraide.fr"]
    for manifest in _manifests(_render(_custom_values())):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_a_namespaced_issuer_and_extra_annotations():
    values = _custom_values(issuerKind="Issuer")
    values["ingress"]["customDomains"]["annotations"] = {
        "acme.cert-manager.io/http01-edit-in-place": "true"
    }

    ingress = _by_kind_and_name(_manifests(_render(values)))[("Ingress", "entraide-custom-domains")]

    assert ingress["metadata"]["annotations"] == {
        "cert-manager.io/issuer": "letsencrypt",
        "acme.cert-manager.io/http01-edit-in-place": "true",
    }


def test_custom_domains_without_an_issuer_are_refused():
    values = _custom_values()
    values["ingress"]["customDomains"]["certManager"]["issuer"] = ""

    with pytest.raises(helm.HelmError, match="certManager.issuer is required"):
        _render(values)


@pytest.mark.parametrize(
    "custom_domains",
    [
        {"hosts": ["Benevolat.Example.fr"]},
        {"hosts": ["https://benevolat.example.fr"]},
        {"hosts": ["a.example.fr", "a.example.fr"]},
        {"certManager": {"issuer": "x", "issuerKind": "Certificate"}},
        {"certManagr": {}},
    ],
    ids=["upper-case", "url", "twice", "issuer-kind", "typo"],
)
def test_values_schema_refuses_bad_custom_domains(custom_domains):
    values = {"ingress": {"customDomains": custom_domains}}
    chart = helm.Chart.load(CHART)

    with pytest.raises(helm.HelmError):
        chart.validate_schema(chart.merge_values(copy.deepcopy(values)))


def test_the_config_carries_the_cname_target_and_dns_servers():
    config = _by_kind_and_name(
        _manifests(
            _render(
                {
                    "config": {
                        "platformCnameTarget": "edge.entraide.fr",
                        "dnsResolverNameservers": "10.0.0.10,10.0.0.11",
                    }
                }
            )
        )
    )[("ConfigMap", "entraide-config")]["data"]

    assert config["PLATFORM_CNAME_TARGET"] == "edge.entraide.fr"
    assert config["DNS_RESOLVER_NAMESERVERS"] == "10.0.0.10,10.0.0.11"
    default = _by_kind_and_name(_manifests(_render()))[("ConfigMap", "entraide-config")]["data"]
    assert (default["PLATFORM_CNAME_TARGET"], default["DNS_RESOLVER_NAMESERVERS"]) == ("", "")


@pytest.mark.django_db
def test_the_apps_list_of_verified_domains_is_the_charts_values(paris, montreal):
    Domain.objects.create(
        domain="benevolat.example-city.fr", tenant=paris, is_primary=False, is_verified=True
    )
    Domain.objects.create(
        domain="xn--bnvolat-byab.ville.fr", tenant=montreal, is_primary=False, is_verified=True
    )
    Domain.objects.create(domain="pending.example-city.fr", tenant=paris, is_primary=False)
    out = StringIO()

    call_command("custom_domains_values", stdout=out)

    values = yaml.safe_load(out.getvalue())
    assert values == {"ingress": {"customDomains": {"hosts": HOSTS}}}
    values["ingress"]["customDomains"]["certManager"] = {"issuer": "letsencrypt"}
    ingress = _by_kind_and_name(_manifests(_render(values)))[("Ingress", "entraide-custom-domains")]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == HOSTS


@pytest.mark.django_db
def test_no_verified_domain_renders_no_custom_ingress():
    out = StringIO()

    call_command("custom_domains_values", stdout=out)

    values = yaml.safe_load(out.getvalue())
    assert values == {"ingress": {"customDomains": {"hosts": []}}}
    assert ("Ingress", "entraide-custom-domains") not in _by_kind_and_name(
        _manifests(_render(values))
    )


def test_catch_all_hosts_sends_any_other_host_to_the_app():
    values = {"config": {"baseDomain": "entraide.fr"}, "ingress": {"catchAllHosts": True}}

    manifests = _manifests(_render(values))
    ingress = _by_kind_and_name(manifests)[("Ingress", "entraide")]

    rules = ingress["spec"]["rules"]
    assert [rule.get("host") for rule in rules] == ["entraide.fr", "*.entraide.fr", None]
    (path,) = rules[-1]["http"]["paths"]
    assert path["backend"]["service"] == {"name": "entraide-web", "port": {"number": 80}}
    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    default = _by_kind_and_name(_manifests(_render()))[("Ingress", "entraide")]
    assert all("host" in rule for rule in default["spec"]["rules"])
