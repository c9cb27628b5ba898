"""Settings for newsreview, read from the environment with safe local defaults.

DATABASE_URL   default sqlite:///var/newsreview.sqlite3 (postgres://… in CI and deployments)
SECRET_KEY     default: a random key kept in var/secret_key (created on first use)
DEBUG          default off; `make run` turns it on
ALLOWED_HOSTS  comma-separated, default 127.0.0.1,localhost
NEWSREVIEW_HTTPS  set to 1 when served over HTTPS: secure cookies, HSTS, redirect
NEWSREVIEW_CACHE_URL  default db:// (a table in the database); locmem:// or redis://host/0
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSREVIEW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    # A missing SECRET_KEY must never fall back to a key that is in the repository.
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = _secret_key()
# Read by the deploy checks (core/checks.py): a key kept in one server's var/ differs
# from the next server's, and each would refuse the other's sessions.
NEWSREVIEW_SECRET_KEY_FROM_VAR = not os.environ.get("SECRET_KEY")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "newsreview.core",
    "newsreview.accounts",
    "newsreview.projects",
    "newsreview.documents",
    "newsreview.annotations",
    "newsreview.imports",
    "newsreview.exports",
    "newsreview.agreement",
    "newsreview.review",
    "django_tasks",
    "django_tasks_db",
    "newsreview.jobs",
    "newsreview.arabic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsreview.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files need no database), above everything that queries it.
    "newsreview.core.middleware.DatabaseUnavailableMiddleware",
    "newsreview.core.middleware.HtmlCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsreview.urls"
WSGI_APPLICATION = "newsreview.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'newsreview.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A persistent connection the database dropped (a restart, a failover) is
        # noticed at the start of the next request and replaced, not used and failed.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Concurrent writers (two tabs, gunicorn workers) wait instead of failing at
            # once; a write transaction takes the write lock when it begins, so two never
            # deadlock upgrading a read lock.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # Write-ahead logging: readers never wait for a writer, and a commit is one
            # append instead of a journal written, synced and deleted (a span created on
            # `make run` took 53 ms, bench/bench_sqlite.py). synchronous=NORMAL keeps the
            # database consistent after any crash; only a power cut can lose the last
            # commits, acceptable for the zero-set-up default (production: PostgreSQL).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )


def cache_from_url(url: str) -> dict:
    """The default cache from NEWSREVIEW_CACHE_URL: `db://` (the default: a table in the
    database, made by `migrate`), `locmem://` (one process only) or `redis://host:6379/0`
    (`rediss://` for TLS; needs `pip install redis`)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else url.lower()
    if scheme in {"", "db", "database"}:
        # Bounded: past MAX_ENTRIES the oldest third by key is dropped on the next write.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "newsreview_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    from django.core.exceptions import ImproperlyConfigured

    known = "db://, locmem://, redis:// or rediss://"
    raise ImproperlyConfigured(f"NEWSREVIEW_CACHE_URL must start with {known}, not {url!r}")


# One cache for every process (app servers, job workers): the dashboard's figures that a
# worker computes are read by whichever server answers next, and a write anywhere changes
# the key they are kept under (agreement/dashboard.py). The database needs no extra server.
CACHES = {
    "default": cache_from_url(os.environ.get("NEWSREVIEW_CACHE_URL", "db://")),
    # Per process and free of queries: for figures cheap enough to recompute in each
    # process on a page with a tight query budget (the curation page's agreement).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:project-list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
# Behind a reverse proxy every request comes from the proxy's address, so one guesser
# would lock a username for everybody: NEWSREVIEW_PROXY_COUNT=N (the proxies in front of
# the app, which must set X-Forwarded-For) makes the lock use the client's own address.
PROXY_COUNT = int(os.environ.get("NEWSREVIEW_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "newsreview.accounts.throttling.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "newsreview" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("NEWSREVIEW_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files and job results (exports) go through Django's storage API, so any app
# server can finish what another began: a folder every server and worker shares
# (NEWSREVIEW_STORAGE_DIR, e.g. an NFS mount), or an S3-compatible bucket
# (NEWSREVIEW_S3_BUCKET, with `pip install -e ".[s3]"`; README: Deploying).
STORAGE_DIR = Path(os.environ.get("NEWSREVIEW_STORAGE_DIR", VAR_DIR / "storage"))
if os.environ.get("NEWSREVIEW_S3_BUCKET"):
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["NEWSREVIEW_S3_BUCKET"],
            "endpoint_url": os.environ.get("NEWSREVIEW_S3_ENDPOINT_URL") or None,
            "location": os.environ.get("NEWSREVIEW_S3_PREFIX", "newsreview"),
            "default_acl": None,
            "file_overwrite": True,
            "querystring_auth": True,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": STORAGE_DIR,
            "file_permissions_mode": 0o600,
            # Progress files are rewritten in place (a job's sign of life, see jobs).
            "allow_overwrite": True,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    # Hashed names (style.3f2a….css) cached for a year, with gzip and brotli copies made
    # at collectstatic time.
    "staticfiles": {"BACKEND": "newsreview.core.storage.StaticStorage"},
}
# Only the development server reads the source folders; anything else serves what
# collectstatic wrote (finders would serve the uncompressed, briefly cached sources).
# Hashed names are cached for ever (immutable); an unhashed name keeps whitenoise's short
# default, since its content changes under the same name.
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    # `make run` serves source files without collectstatic: no manifest needed.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Background jobs (imports, exports): Django's tasks API with the database backend, so
# no broker and no extra server. `manage.py run_worker` runs them (`make run` and
# `make serve` start one beside the server). Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job that has shown no sign of life for this long (its worker was killed or
# its machine lost) is marked failed with a message, never left "running" for ever.
NEWSREVIEW_JOB_STALE_SECONDS = int(os.environ.get("NEWSREVIEW_JOB_STALE_SECONDS", "120"))
# Finished jobs and their files are removed after this many days.
NEWSREVIEW_JOB_KEEP_DAYS = int(os.environ.get("NEWSREVIEW_JOB_KEEP_DAYS", "7"))

# Sessions expire: after 12 hours (SESSION_COOKIE_AGE, seconds), and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 12)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if env_bool("NEWSREVIEW_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a deliberate, hard-to-undo decision per domain (hstspreload.org),
        # so it stays opt-in (SECURE_HSTS_PRELOAD=1) and `check --deploy` need not nag.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsreview@localhost")

# Uploads: a request body over this size is refused with a clear message.
NEWSREVIEW_MAX_UPLOAD_BYTES = int(os.environ.get("NEWSREVIEW_MAX_UPLOAD_BYTES", str(50 * 2**20)))
# One document's text: a long news article is ~50,000 characters.
NEWSREVIEW_MAX_DOCUMENT_CHARS = int(os.environ.get("NEWSREVIEW_MAX_DOCUMENT_CHARS", "1000000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
