# Entraide — the project's vocabulary: run, test, lint, bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# pytest-xdist processes for the main suite (each gets its own test database).
TEST_WORKERS ?= 2
# The files holding tests marked `worker`: that session collects them alone (collecting the whole
# suite to keep 7 of its tests took ~20 s). `-m worker` still picks the tests within them.
WORKER_TEST_FILES = $(shell grep -rl --include='*.py' 'mark\.worker' tests)
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run setup system venv database migrate seed test test-fast lint format lock image image-test screenshots-website bench bench-routing bench-provisioning bench-search bench-search-1m bench-billing bench-statistics bench-exports bench-reminders bench-calendars bench-share-cards bench-alerts bench-reports bench-places bench-lifecycle bench-signup bench-metrics bench-media bench-tenant-migrations bench-lighthouse bench-schema-catalog bench-throughput bench-throughput-gc bench-routing-scale bench-scale clean

## make run: install what is missing, create and migrate the database, seed the demo, then serve
## :8000 with a Celery worker and beat (Procfile.dev; Ctrl-C stops them all)
run: setup
	@mkdir -p .run
	ENTRAIDE_PORT=$(PORT) $(VENV)/bin/honcho --procfile Procfile.dev --app-root . start

setup: system venv database migrate seed

system:
	@bash scripts/bootstrap_system.sh

# Every dependency comes pinned, with its hashes, from the lock files (requirements/*.txt, written
# by `make lock` from pyproject.toml); the project itself is installed on top without deps.
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --require-hashes -r requirements/dev.txt
	$(PIP) install -q --no-deps -e .
	$(PY) scripts/lock_check.py
	@touch $@

## make lock: pin every dependency (and its hashes) from pyproject.toml, keeping current pins
## where they still satisfy it; `make lock UPGRADE=1` moves every pin to its newest release.
LOCK_FLAGS = --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes \
	--no-header -q $(if $(UPGRADE),--upgrade,)
lock:
	SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt $(VENV)/bin/uv pip compile pyproject.toml \
		$(LOCK_FLAGS) -o requirements/production.txt
	SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt $(VENV)/bin/uv pip compile pyproject.toml \
		--extra dev $(LOCK_FLAGS) -o requirements/dev.txt
	$(PY) scripts/lock_check.py

venv: $(VENV)/.installed node_modules/.installed

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	@touch $@

database:
	@bash scripts/bootstrap_database.sh

migrate:
	$(PY) manage.py migrate_schemas --shared --noinput -v 0
	$(PY) manage.py migrate_tenants -v 0
	$(PY) manage.py tenant_template --rebuild

seed:
	$(PY) manage.py seed_demo

## make test: the whole suite on real PostgreSQL/PostGIS, Redis and Chromium
test: system venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -m "not browser and not worker" -n $(TEST_WORKERS) $(PYTEST_ARGS)
	# Tests that start real Celery worker processes: their own session and database, one process.
	# After thousands of eager-task tests in the same process they intermittently saw their
	# tasks never reach the worker: likely a test's FLUSHDB (RedisCache.clear()) from the other
	# xdist process emptying the broker queue, now fixed (tests.cache); kept apart until shown
	# stable together. On their own they pass, in ~70 s.
	DJANGO_SETTINGS_MODULE=config.settings.test ENTRAIDE_TEST_RUN=worker $(VENV)/bin/pytest -m worker $(WORKER_TEST_FILES) $(PYTEST_ARGS)
	# Browser tests commit data for the live server: their own session and database.
	DJANGO_SETTINGS_MODULE=config.settings.test ENTRAIDE_TEST_RUN=browser $(VENV)/bin/pytest -m browser tests/browser $(PYTEST_ARGS)

# mypy checks the files listed in pyproject.toml ([tool.mypy] files), with its options there.
lint:
	$(PY) scripts/lock_check.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make image: build the container image with podman (localhost/entraide:dev; scripts/image/)
image:
	@bash scripts/image/build.sh

## make image-test: run the built image as the Helm chart does (migrations Job, web, worker,
## beat) against the local PostgreSQL and Redis, and check it (scripts/image/test.py)
image-test: system venv
	$(PY) scripts/image/test.py

## make screenshots-website: the product site's pictures of the three clicks (website/static/website/walk/)
screenshots-website:
	DJANGO_SETTINGS_MODULE=config.settings.test ENTRAIDE_TEST_RUN=screenshots $(VENV)/bin/pytest -m browser tests/browser/website_screenshots.py -q

bench: bench-routing bench-metrics bench-media bench-provisioning bench-search bench-search-1m bench-billing bench-statistics bench-exports bench-reminders bench-calendars bench-share-cards bench-alerts bench-reports bench-places bench-lifecycle bench-signup bench-tenant-migrations bench-lighthouse bench-schema-catalog bench-throughput bench-throughput-gc bench-routing-scale bench-choice-labels

bench-routing:
	$(PY) bench/tenant_routing.py

# Issue 18's figures: every search shape at 100k and 1M missions, one migration over 1,000
# tenants (and tenant_provision with them), routing over 1,000 and 10,000 tenants' hosts,
# throughput under load, mobile Lighthouse, one PostgreSQL's catalog at 1,000 schemas.
bench-scale: bench-search bench-search-1m bench-tenant-migrations bench-routing-scale bench-throughput bench-throughput-gc bench-lighthouse bench-schema-catalog

bench-routing-scale:
	$(PY) bench/tenant_routing.py 20000 --tenants 1000
	$(PY) bench/tenant_routing.py 20000 --tenants 10000

bench-metrics:
	$(PY) bench/metrics.py

# Logos saved, read and signed on local disk and on the local S3-compatible server.
bench-media:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/media_storage.py $(or $(N),200)

# Mobile Lighthouse (performance, LCP, TBT, CLS) of the demo tenants' pages; RUNS per page.
bench-lighthouse: venv
	$(PY) bench/lighthouse.py $(or $(RUNS),3)

bench-lifecycle:
	$(PY) bench/lifecycle.py $(or $(N),50)

bench-schema-catalog:
	$(PY) bench/schema_catalog.py $(or $(N),1000)

# Pages under load: gunicorn as the chart runs it, TENANTS tenants (default 100), USERS simulated
# users (default 20), on 2 and 4 workers; the mix against a bare view behind the same middleware.
# EDITS=R: organizers save R missions a second (all tenants together) while the mix runs.
BENCH_THROUGHPUT_WORKERS := 2,4
bench-throughput: venv
	$(PY) bench/throughput.py --tenants $(or $(TENANTS),100) --users $(or $(USERS),20) \
		--workers $(or $(WORKERS),$(BENCH_THROUGHPUT_WORKERS)) --duration $(or $(SECONDS),40) \
		--warmup $(or $(WARMUP),120) $(if $(EDITS),--edits $(EDITS))

# What the garbage collector costs a worker, nothing frozen or frozen as gunicorn's workers do
# (config/garbage_collection.py), in-process on the same data.
bench-throughput-gc: venv
	$(PY) bench/throughput.py --gc --tenants $(or $(TENANTS),100) --users $(or $(USERS),20)

bench-provisioning:
	$(PY) bench/provisioning.py $(or $(N),200)

# One migration over N tenants (default 1000) with migrate_tenants; django-tenants' executors at
# COMPARE tenants (default 100).
bench-tenant-migrations:
	$(PY) bench/tenant_migrations.py $(or $(N),1000) --compare $(or $(COMPARE),100)

bench-signup:
	$(PY) bench/signup_provisioning.py $(or $(N),1000) $(or $(SIGNUPS),20)

bench-search:
	$(PY) bench/search.py $(or $(N),100000)

## make bench-search-1m: the search at 1,000,000 missions in one tenant (loading ~15 min)
bench-search-1m:
	$(PY) bench/search.py 1000000 --samples 50

bench-statistics:
	$(PY) bench/backoffice_statistics.py $(or $(N),100000)

bench-exports:
	$(PY) bench/backoffice_exports.py $(or $(N),100000)

# SEND=5000 sends only that many of the claimed e-mails and extrapolates the whole run.
bench-reminders:
	$(PY) bench/reminders.py $(or $(N),100000) $(if $(SEND),--send $(SEND))

bench-calendars:
	$(PY) bench/calendar_feeds.py $(or $(N),500)
bench-choice-labels:
	$(PY) bench/choice_labels.py
bench-places:
	$(PY) bench/places.py $(or $(N),2000)

bench-share-cards:
	$(PY) bench/share_cards.py $(or $(N),40)
bench-alerts:
	$(PY) bench/alerts.py $(or $(N),100000) --searches $(or $(SEARCHES),10000)
bench-reports:
	$(PY) bench/reports.py $(or $(N),5000)

bench-billing:
	DJANGO_SETTINGS_MODULE=config.settings.test ENTRAIDE_TEST_RUN=bench $(VENV)/bin/pytest bench/billing_figures.py -q -s -p no:warnings

clean:
	rm -rf var/test-media* .pytest_cache
