# syntax=docker/dockerfile:1
# Entraide: one image for web (gunicorn), worker and beat (celery) and the migrations Job.
# Built and run by `make image` / `make image-test` (podman; scripts/image/), in CI on every change.
#
# Stages: `gdal` builds GDAL's core; `runtime` is the base with the shared libraries every
# process needs; `build` (from runtime, so Django can run there) installs the locked wheels,
# collects the static files and drops what never runs; the image is runtime + what build made.
#
# Size: GeoDjango needs libgdal, and Debian's libgdal32 links every raster and vector driver
# (HDF5, NetCDF, Poppler, x265, SpatiaLite…: ~250 MB). The `gdal` stage builds GDAL's core from
# Debian's own source package with no optional driver (10 MB; ~8 min once, then cached).
# `make image-test` prints the size.

ARG PYTHON_IMAGE=docker.io/library/python:3.11-slim-bookworm

# --- GDAL core (OGR/OSR, what django.contrib.gis uses), from Debian's source package ------------
FROM ${PYTHON_IMAGE} AS gdal
ARG GDAL_VERSION=3.6.2
RUN sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake dpkg-dev libproj-dev \
      libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /gdal
# Bookworm's only GDAL; the build stops here if Debian ever ships another one under this name.
RUN apt-get update && apt-get source --download-only gdal \
 && rm -rf /var/lib/apt/lists/* \
 && tar xf "gdal_${GDAL_VERSION}+dfsg.orig.tar.xz" && rm gdal_*.tar.* gdal_*.dsc \
 && cmake -S gdal-* -B build -DCMAKE_BUILD_TYPE=Release \
      -DGDAL_USE_EXTERNAL_LIBS=OFF -DGDAL_USE_PROJ=ON \
      -DGDAL_BUILD_OPTIONAL_DRIVERS=OFF -DOGR_BUILD_OPTIONAL_DRIVERS=OFF \
      -DBUILD_APPS=OFF -DBUILD_TESTING=OFF -DBUILD_PYTHON_BINDINGS=OFF \
      -DBUILD_JAVA_BINDINGS=OFF -DBUILD_CSHARP_BINDINGS=OFF > /dev/null \
 && (cmake --build build -j"$(nproc)" > build.log 2>&1 || { tail -60 build.log; exit 1; })
# Only the library: coordinate systems come from PROJ's database (libproj25's proj.db), and
# Debian's +dfsg source lacks some of GDAL's data files, so `cmake --install` is not used.
RUN mkdir -p /opt/gdal/lib \
 && cp -P build/libgdal.so* /opt/gdal/lib/ \
 && strip --strip-unneeded /opt/gdal/lib/libgdal.so.*.*

# --- The shared libraries, and the user ------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# GEOS and PROJ for GeoDjango (GDAL comes from its stage), libpq for pg_dump, DejaVu for the
# mission share pictures (engagement/missions/share_card.py), Pango and HarfBuzz for WeasyPrint
# (CSR reports and certificates, engagement/reports/). SAML's xmlsec and lxml bring their own
# libxml2 in their wheels. apt's caches and downloaded packages are not kept.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgeos-c1v5 libproj25 libpq5 \
      fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt \
      /var/log/dpkg.log \
 && groupadd --system --gid 10001 entraide \
 && useradd --system --uid 10001 --gid entraide --home-dir /app --shell /usr/sbin/nologin entraide
COPY --from=gdal /opt/gdal /opt/gdal
# GDAL's folder joins the loader's path: Django finds it as it would a system libgdal.
RUN echo /opt/gdal/lib > /etc/ld.so.conf.d/entraide-gdal.conf && ldconfig
# XDG_CACHE_HOME: fontconfig (WeasyPrint, share pictures) wants a writable cache; /tmp is the
# one writable place besides /app/var.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XDG_CACHE_HOME=/tmp/.cache \
    DJANGO_SETTINGS_MODULE=config.settings.production

# --- Python dependencies (from the lock file, wheels only), static files, PostgreSQL client --
FROM runtime AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# binutils: `strip`. postgresql-client: pg_dump/pg_restore for tenant archives; only the three
# binaries are copied (the package's wrapper scripts need Perl, ~50 MB).
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/pgclient/bin \
 && cp /usr/lib/postgresql/*/bin/pg_dump /usr/lib/postgresql/*/bin/pg_restore \
      /usr/lib/postgresql/*/bin/psql /opt/pgclient/bin/
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies first, so a code change does not reinstall them: every package pinned with its
# hashes (requirements/production.txt, `make lock`), wheels only (no compiler anywhere).
COPY requirements/production.txt /tmp/requirements.txt
RUN pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements.txt \
 && pip check
# Dropped from the installed packages, none of it read at run time: the data of languages and
# services Entraide does not use (scripts/image/prune_site_packages.py says which and why), pip,
# setuptools and wheel (nothing installs at run time: the root filesystem is read-only), and the
# debugging symbols of shared objects.
COPY scripts/image/prune_site_packages.py /tmp/prune_site_packages.py
RUN python /tmp/prune_site_packages.py /opt/venv/lib/python3.11/site-packages \
 && python -m pip uninstall -y -q pip setuptools wheel \
 && find /opt/venv/lib/python3.11/site-packages -name '*.so*' -type f \
      -exec strip --strip-unneeded {} +
WORKDIR /app
COPY . .
# Static files with hashed names (ManifestStaticFilesStorage; WhiteNoise serves them before tenant
# routing, cached for a year). The key exists for this step only. Then the static folders of the
# installed apps go: production serves STATIC_ROOT only (WHITENOISE_USE_FINDERS is off). The
# code's bytecode is compiled now: at run time the root filesystem is read-only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789abcdefghij \
    python manage.py collectstatic --noinput --verbosity 0 \
      --ignore 'drf_spectacular_sidecar/redoc/*' \
 && DJANGO_SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789abcdefghij \
    python -c 'import django, pathlib, shutil, sys; django.setup(); \
from django.apps import apps; site = pathlib.Path(sys.prefix); \
[shutil.rmtree(pathlib.Path(a.path) / "static") for a in apps.get_app_configs() \
 if pathlib.Path(a.path).is_relative_to(site) and (pathlib.Path(a.path) / "static").is_dir()]' \
 && python -m compileall -q -j 0 /app \
 && mkdir -p /app/var/media /app/var/exports

# --- The image -------------------------------------------------------------------------------
FROM runtime
COPY --from=build /opt/pgclient /opt/pgclient
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=0:0 /app /app
RUN chown -R entraide:entraide /app/var/media /app/var/exports
ENV PATH=/opt/venv/bin:/opt/pgclient/bin:$PATH
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9100
# One check for every role: web's /healthz, or the worker's or beat's heartbeat file when the
# container runs one of them (config/probes.py). The chart uses its own probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD ["python", "-m", "config.probes"]
# No gunicorn access log: Django writes one JSON access line per request (tenants/request_log.py).
# config/gunicorn.py: the metrics of every worker, served by the master on METRICS_PORT.
# Workers and threads as the chart's defaults (deploy/helm/entraide/values.yaml, web.gunicorn).
CMD ["gunicorn", "config.wsgi:application", "--config=python:config.gunicorn", \
     "--bind=0.0.0.0:8000", "--workers=3", "--threads=2", "--worker-tmp-dir=/tmp"]
