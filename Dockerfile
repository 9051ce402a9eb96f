# syntax=docker/dockerfile:1
# Samverka: one image for web (gunicorn), job workers, the scheduler and the migration job.
#   docker build -t samverka:0.1.0 .
#   docker run --read-only --tmpfs /tmp -v samverka-instance:/var/lib/samverka \
#     -e SAMVERKA_DATABASE_URL=... -e SAMVERKA_REDIS_URL=... -e SAMVERKA_SECRET_KEY=... \
#     -e SAMVERKA_ENCRYPTION_KEYS=... -p 8000:8000 samverka:0.1.0
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: compilers for any sdist, a virtualenv with Samverka and its plugins -------------
FROM ${PYTHON_IMAGE} AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv && pip install --upgrade pip setuptools wheel
WORKDIR /app
COPY pyproject.toml README.md ./
COPY platform ./platform
COPY migrations ./migrations
COPY plugins ./plugins
# Installed in place (editable) at /app, the same path as in the final image: the migration
# histories are read from /app/migrations next to the package (samverka.migrate).
RUN pip install -e /app \
    && for plugin in /app/plugins/*/; do \
         if [ -f "$plugin/pyproject.toml" ]; then pip install -e "$plugin" || exit 1; fi; \
       done \
    && python -m compileall -q /app/platform /app/plugins /opt/venv

# --- runtime: no compilers, no package manager caches, a non-root user -----------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SAMVERKA_ENV=production \
    SAMVERKA_LOG_FORMAT=json \
    SAMVERKA_INSTANCE_PATH=/var/lib/samverka \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    MPLCONFIGDIR=/tmp/matplotlib
# Run-time libraries only (no compilers): WeasyPrint renders PDF exports with Pango/HarfBuzz,
# and DejaVu has every Swedish glyph. The same list as bin/setup's (a test keeps them in step).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
         libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 samverka \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/samverka \
         --no-create-home --shell /usr/sbin/nologin samverka \
    && mkdir -p /var/lib/samverka \
    && chown 10001:10001 /var/lib/samverka
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
# Writable paths only: the instance folder and /tmp (gunicorn's heartbeat files, the
# Prometheus multiprocess folder). The root filesystem can be mounted read-only.
VOLUME ["/var/lib/samverka", "/tmp"]
USER 10001:10001
EXPOSE 8000 9102
# No HEALTHCHECK: the same image runs web, worker and jobs; Kubernetes probes each (chart).
ENTRYPOINT ["samverka"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
