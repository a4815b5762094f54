"""Fixtures for the benchmarks driven by pytest (bench/billing_figures.py): the test suite's
tenants and the Stripe fake. Benchmarks run on demand (make bench-billing), never in `make test`."""

from tests.billing.conftest import (  # noqa: F401
    _fake_stripe_server,
    deliver,
    signed_in,
    stripe_fake,
    subscribe,
    tenant_admin,
    tenant_admin_user,
    user_in,
)
from tests.conftest import (  # noqa: F401
    _empty_cache_between_tests,
    _public_schema_between_tests,
    _test_database_always,
    acme,
    client_for,
    django_db_setup,
    in_acme,
    in_montreal,
    in_paris,
    montreal,
    paris,
)
