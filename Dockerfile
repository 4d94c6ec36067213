# syntax=docker/dockerfile:1
# One image for every process of BRM: the command picks web (default), worker, envios, beat or migrate
# (bin/entrypoint). docker-compose.yml runs them together; docs/implantacao.md explains deploy and upgrade.

ARG PYTHON_IMAGE=python:3.12-slim-trixie

# Dependencies, in a layer of their own: rebuilt only when requirements.txt changes.
FROM ${PYTHON_IMAGE} AS dependencias
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

FROM ${PYTHON_IMAGE} AS final
# The PostgreSQL client of the server's major version: backup_dados runs pg_dump and pg_restore, which refuse a
# server newer than themselves. From the PostgreSQL project's Debian repository (postgresql-common sets it up).
ARG POSTGRES_CLIENTE=16
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends "postgresql-client-${POSTGRES_CLIENTE}" \
    && apt-get purge -y --auto-remove postgresql-common \
    && rm -rf /var/lib/apt/lists/*

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=brm.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    BRM_VAR_DIR=/var/lib/brm \
    BRM_MEDIA_ROOT=/var/lib/brm/media \
    BRM_BACKUP_DIR=/var/lib/brm/backups \
    PORT=8000

RUN groupadd --system --gid 10001 brm \
    && useradd --system --uid 10001 --gid brm --home-dir /app --shell /usr/sbin/nologin brm \
    && mkdir -p /var/lib/brm/media /var/lib/brm/backups \
    && chown -R brm:brm /var/lib/brm

COPY --from=dependencias /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app

# Static files are collected into the image with the production storage (hashed, compressed names). The values
# below only let the settings load: collectstatic touches no database and encrypts nothing.
RUN DJANGO_SECRET_KEY=collectstatic-somente-na-construcao-da-imagem \
    DATABASE_URL=postgres://construcao@127.0.0.1:5432/construcao \
    FERNET_KEYS=Y29sbGVjdHN0YXRpYy1uYS1jb25zdHJ1Y2FvLTAwMDA= \
    /app/bin/entrypoint collectstatic

USER 10001:10001
VOLUME ["/var/lib/brm/media", "/var/lib/brm/backups"]
EXPOSE 8000
# Web: /readyz (database, Redis, a worker, beat, robot API); workers: a ping; beat: its last tick.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 CMD ["/app/bin/entrypoint", "saude"]
ENTRYPOINT ["/app/bin/entrypoint"]
CMD ["web"]
