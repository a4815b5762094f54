# syntax=docker/dockerfile:1
# Entraide: one image for web (gunicorn), worker and beat (celery) and the migrations Job.
# Not built on the development machines (no container engine there); CI for images builds it.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Headers for any dependency that has no wheel for this platform (xmlsec, psycopg fallbacks).
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libxml2-dev \
      libxmlsec1-dev libxmlsec1-openssl libpq-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --upgrade pip \
 && pip install .

FROM python:3.11-slim-bookworm
# GDAL/GEOS/PROJ for GeoDjango, xmlsec for SAML, pg_dump for deprovisioning exports, DejaVu for
# the mission share pictures (engagement/missions/share_card.py), Pango and HarfBuzz for WeasyPrint
# (CSR reports and certificates, engagement/reports/).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal32 libgeos-c1v5 libproj25 libxmlsec1 \
      libxmlsec1-openssl postgresql-client fonts-dejavu-core \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 entraide \
 && useradd --system --uid 10001 --gid entraide --home-dir /app --shell /usr/sbin/nologin entraide
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY . .
# Static files are baked into the image (served by WhiteNoise). The key exists for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789abcdefghij \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p /app/var/media /app/var/exports \
 && chown -R entraide:entraide /app/var
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"
# No gunicorn access log: Django writes one JSON access line per request (tenants/request_log.py).
CMD ["gunicorn", "config.wsgi:application", "--bind=0.0.0.0:8000", "--workers=3", "--threads=4", \
     "--worker-tmp-dir=/tmp"]
