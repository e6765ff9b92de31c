"""Gunicorn, as production runs Petcare (docs/deploy.md):

    uv run --no-dev gunicorn --config deploy/gunicorn.conf.py

Every value can be set from the environment, so one file serves a laptop,
a single server and a fleet behind a load balancer.
"""

import os

wsgi_app = "petcare.wsgi:application"

# Behind a reverse proxy on the same machine (Caddy, nginx) that ends TLS;
# BIND=0.0.0.0:8000 when a load balancer on another machine connects directly.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Sync workers: Django's ORM and psycopg block, and each request is short.
# Two per core plus one is gunicorn's advice; each holds one database
# connection, which sizes PostgreSQL's max_connections (docs/deploy.md).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200

# Load the app once, before forking: less memory, and a broken deploy fails
# at start instead of in every worker.
preload_app = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Petcare logs one line per request itself (petcare.logs), with ids only;
# gunicorn's access log would add query strings (searches for names).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Which proxies may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
