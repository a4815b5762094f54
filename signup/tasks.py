"""Sign-up background work (public schema). Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from signup import services
from tenants.context import PublicTask

# Attempts after the first; backoff 2 s, 4 s, 8 s… (jittered), at most a minute apart.
PROVISION_MAX_RETRIES = 4


@shared_task(
    bind=True,
    base=PublicTask,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=PROVISION_MAX_RETRIES,
)
def signup_provision(self: Any, signup_pk: int) -> str:
    final = self.request.retries >= PROVISION_MAX_RETRIES
    return str(services.signup_provision(signup_pk=signup_pk, final_attempt=final).status)
