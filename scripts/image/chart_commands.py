"""Print, as JSON, how the Helm chart runs each part of the image: command, literal env, volume
mounts, probes and init containers, per component (migrations, web, worker, beat).
`make image-test` runs the image with exactly these, so the image is tested the way the chart
deploys it.

Rendered offline with the chart's defaults and the local image (helm-python-sdk, as the chart
tests do).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "entraide"
COMPONENTS = ("migrations", "web", "worker", "beat")


def _probe(container: dict[str, Any], name: str) -> dict[str, Any] | None:
    probe = container.get(name)
    if not probe:
        return None
    if "exec" in probe:
        return {"exec": probe["exec"]["command"]}
    if "httpGet" in probe:
        return {"http": probe["httpGet"]["path"]}
    return {"other": sorted(probe)}


def _mounts(pod: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """Mount path → the kind of volume behind it (emptyDir, persistentVolumeClaim, …)."""
    kinds = {
        volume["name"]: next((key for key in volume if key != "name"), "unknown")
        for volume in pod.get("volumes", [])
    }
    return {
        mount["mountPath"]: kinds.get(mount["name"], "unknown")
        for mount in container.get("volumeMounts", [])
    }


def _container(pod: dict[str, Any], container: dict[str, Any]) -> dict[str, Any]:
    return {
        "command": list(container.get("command", [])) + list(container.get("args", [])),
        "env": {e["name"]: e["value"] for e in container.get("env", []) if "value" in e},
        "mounts": _mounts(pod, container),
        "liveness": _probe(container, "livenessProbe"),
        "readiness": _probe(container, "readinessProbe"),
        "startup": _probe(container, "startupProbe"),
        "read_only_root": container.get("securityContext", {}).get("readOnlyRootFilesystem"),
    }


def commands(image: str) -> dict[str, dict[str, Any]]:
    repository, _, tag = image.rpartition(":")
    values = {"image": {"repository": repository, "tag": tag, "pullPolicy": "Never"}}
    rendered = helm.Chart.load(CHART).render(values, name="entraide", namespace="entraide")
    found: dict[str, dict[str, Any]] = {}
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if not document or document.get("kind") not in ("Deployment", "Job"):
                continue
            component = document["metadata"].get("labels", {}).get("app.kubernetes.io/component")
            if component not in COMPONENTS:
                continue
            pod = document["spec"]["template"]["spec"]
            found[component] = {
                **_container(pod, pod["containers"][0]),
                "init": [_container(pod, init) for init in pod.get("initContainers", [])],
                "user": pod.get("securityContext", {}).get("runAsUser"),
            }
    missing = [name for name in COMPONENTS if name not in found]
    if missing:
        raise SystemExit(f"the chart renders no {', '.join(missing)}")
    return found


if __name__ == "__main__":
    print(json.dumps(commands(sys.argv[1] if len(sys.argv) > 1 else "localhost/entraide:dev")))
