#!/usr/bin/env bash
# Shared by the image scripts: podman as it works on a machine without systemd or a Docker
# engine (runc, cgroupfs, capped rlimits). Source it; it defines `pm` and ULIMITS.
set -euo pipefail

pm() { podman --runtime runc --cgroup-manager=cgroupfs "$@"; }
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
IMAGE="${ENTRAIDE_IMAGE:-localhost/entraide:dev}"
BASE_IMAGE="docker.io/library/python:3.11-slim-bookworm"
