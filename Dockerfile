# syntax=docker/dockerfile:1
# KJC Monitor: gunicorn + whitenoise on python:3.11-slim. See docs/deployment.md.

# --- build: a virtualenv with the pinned runtime requirements -----------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

# --- app: the venv, the code, the collected static files; runs as a non-root user ---------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/venv/bin:$PATH"

RUN useradd --system --user-group --uid 10001 --home-dir /app --shell /usr/sbin/nologin kjc

COPY --from=build /venv /venv
WORKDIR /app
# Code and static files stay owned by root: the app user can read but not change them.
COPY . /app

# collectstatic needs settings that load without DEBUG, hence a throwaway SECRET_KEY that
# exists only for this one command; the image has no SECRET_KEY, so every container must
# be given its own. DEBUG=0 makes whitenoise's compressed manifest storage write the
# hashed files and manifest that the app needs at run time.
RUN chmod 0755 /app/docker-entrypoint.sh \
 && DEBUG=0 SECRET_KEY=build-time-only-not-a-real-key \
    python manage.py collectstatic --noinput -v0 \
 && python -m compileall -q /app

USER kjc
EXPOSE 8000
# /healthz answers 200 only when the database answers; the first start also migrates.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["serve"]
