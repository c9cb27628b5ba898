"""gunicorn settings for `make serve` (and any deployment: `gunicorn newsreview.wsgi`).

WEB_CONCURRENCY   worker processes (default: 2 × cores + 1, gunicorn's own advice)
GUNICORN_THREADS  threads per worker (default 4): htmx polls and slow clients do not hold
                  a whole process; each thread may hold one database connection
GUNICORN_TIMEOUT  seconds before a stuck worker is replaced (default 60)
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Django and the app are imported once, before forking: workers share those pages.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Bigger uploads than this never reach Django (NEWSREVIEW_MAX_UPLOAD_BYTES is checked there).
limit_request_field_size = 16384
