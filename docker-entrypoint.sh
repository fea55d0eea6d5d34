#!/usr/bin/env bash
# Container entry point for KJC Monitor.
#
#   serve (default)  migrate, load the reference data (idempotent: `seed` without --demo never
#                    overwrites a status), then replace this shell with gunicorn
#   migrate          only migrate and load the reference data, then exit (the one-shot
#                    "migrate" service of compose.yaml, so that app replicas do not race)
#   healthcheck      exit 0 when /healthz answers 200 (the Dockerfile's HEALTHCHECK)
#   anything else    run as given, e.g.  python manage.py import_catalogue /data/katalog.csv
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

prepare() {
  python manage.py migrate --noinput
  python manage.py seed
}

check_number() {
  # gunicorn itself reads WEB_CONCURRENCY and fails with a traceback on a non-number.
  local name=$1 value=${!1:-}
  if [[ -n $value && ! $value =~ ^[0-9]+$ ]]; then
    echo "docker-entrypoint.sh: $name='$value' is not a whole number." >&2
    exit 64
  fi
}

case "${1:-serve}" in
  serve)
    check_number WEB_CONCURRENCY
    if [[ ${MIGRATE_ON_START:-1} != 0 ]]; then
      prepare
    fi
    exec gunicorn -c gunicorn.conf.py kjc.wsgi
    ;;
  migrate)
    prepare
    ;;
  healthcheck)
    # Ask the way a client behind the reverse proxy would: with an allowed Host and as https,
    # so that neither ALLOWED_HOSTS nor the SSL redirect turns a healthy app into a 400/301.
    exec python - <<'PY'
import http.client
import os
import sys

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"
port = int(bind.rsplit(":", 1)[1])
hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
try:
    connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
except OSError as exc:
    sys.exit(f"healthcheck: {exc}")
sys.exit(0 if status == 200 else f"healthcheck: /healthz answered {status}")
PY
    ;;
  *)
    exec "$@"
    ;;
esac
