"""Settings shared by every environment, read from the environment (django-environ).

With no variables set this gives the embedded default: SQLite in WAL mode, the
in-memory channel layer, the local-memory cache and tasks run immediately.
``DATABASE_URL`` switches to PostgreSQL (psycopg 3), ``REDIS_URL`` to Redis for
the channel layer and the cache.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "channels",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "core",
    "accounts",
    "questions",
    "contest",
]

MIDDLEWARE = [
    "accounts.middleware.AuthBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SameHostCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AllauthRateLimitMiddleware",
    "contest.online.middleware.AttemptSweepMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.site",
            ],
        },
    },
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database ---------------------------------------------------------------
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # A psycopg connection pool per worker process. Under ASGI each request may run in
    # a thread of its own; with persistent connections (CONN_MAX_AGE) every such thread
    # kept one open, and 100 residents used 300 connections. The pool bounds a process
    # to DATABASE_POOL_MAX_SIZE connections: keep workers x that < max_connections
    # (docs/operators.md). A request that finds the pool empty waits up to
    # DATABASE_POOL_TIMEOUT seconds. Django requires CONN_MAX_AGE = 0 with a pool.
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=15),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=30),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes
                # the write lock at BEGIN so two writers queue on the busy
                # timeout instead of failing with "database is locked". A ranking's
                # sorts and temporary tables stay in memory, and each connection
                # keeps up to 64 MB of pages (2 MB by default).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# A PostgreSQL streaming replica answers the public read-only pages (config/dbrouter.py):
# home, contest page, results, live.json, public form downloads. Writes, and a browser's
# reads for READ_YOUR_WRITES_SECONDS after it wrote, stay on the primary. A replica that
# cannot be reached within REPLICA_CONNECT_TIMEOUT is left alone for REPLICA_RETRY_SECONDS.
# Only beside a PostgreSQL primary: the embedded default (no DATABASE_URL) never uses one.
if env("DATABASE_REPLICA_URL", default="") and env("DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    _replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    _replica_options["connect_timeout"] = env.int("REPLICA_CONNECT_TIMEOUT", default=1)
    if DATABASES["default"].get("OPTIONS", {}).get("pool"):
        _replica_options["pool"] = {
            **DATABASES["default"]["OPTIONS"]["pool"],
            "timeout": env.float("REPLICA_CONNECT_TIMEOUT", default=1),
        }
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
    # A pooled connection whose replica went away is found out before it is used.
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # Under the test runner the replica is the primary's test database (no copy to create).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.dbrouter.ReplicaRouter"]
    # Innermost, after AttemptSweepMiddleware: the sweep reads and writes, on the primary.
    MIDDLEWARE.append("config.dbrouter.ReplicaMiddleware")
# Threads per ASGI process that serve plain HTTP requests at once (config/http.py); each
# holds a database connection only while it serves one, so at most DATABASE_POOL_MAX_SIZE.
HTTP_THREADS = env.int("HTTP_THREADS", default=env.int("DATABASE_POOL_MAX_SIZE", default=15))
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=10)
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer ---------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is down: the cache degrades, pages keep working.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="cuocthi"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CACHE_KEY_PREFIX", default="cuocthi")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks (django-tasks, the backport of Django 6's tasks) ------
TASKS_BACKEND = env("TASKS_BACKEND", default="immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions are read from the cache (Redis in production) and written through to the
# database: every signed-in request (each autosave at a deadline) is one query fewer,
# and a cache outage falls back to the database.
SESSION_ENGINE = "accounts.sessions"  # cached_db, with keys checked (accounts/sessions.py)
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.ParticipantSignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = env.bool("PHONE_VERIFICATION", default=True)
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
# Six digits: typed easily on any phone keypad.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PASSWORD_RESET_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Residents who forget a password sign in with a code sent by SMS, then set a
# new one (allauth's password reset itself works by e-mail only).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_SESSION_REMEMBER = True
# Reverse proxies in front of the site (nginx: 1). Visitors' addresses, which the rate
# limits and the sign-up CAPTCHA count, are then read from X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# A commune office, a school or a carrier's NAT puts many residents behind one address:
# per-address limits are wide (a whole class signs in at the start of a round), the narrow
# limit is per phone (5 wrong passwords in 5 minutes), and sign-ups past the third from one
# address in an hour must also pass the CAPTCHA (CAPTCHA_SIGNUP_THRESHOLD).
ACCOUNT_RATE_LIMITS = {
    "login": "120/m/ip",
    "login_failed": "5/5m/key,100/5m/ip",
    "signup": "100/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "verify_phone": "30/m/ip,3/5m/key",
}

# Pluggable SMS delivery (accounts/sms.py): console in the embedded default.
SMS_BACKEND = env("SMS_BACKEND", default="accounts.sms.ConsoleBackend")
# Every SMS costs the district money: at most this many codes to one number, and for one
# account (login by code, phone change), in any 24 hours. Counted in the database.
SMS_MAX_PER_PHONE_PER_DAY = env.int("SMS_MAX_PER_PHONE_PER_DAY", default=5)
SMS_MAX_PER_ACCOUNT_PER_DAY = env.int("SMS_MAX_PER_ACCOUNT_PER_DAY", default=8)
# Sign-ups from one address within an hour before the image CAPTCHA is shown;
# 0 shows it always.
CAPTCHA_SIGNUP_THRESHOLD = env.int("CAPTCHA_SIGNUP_THRESHOLD", default=3)

# Overdue attempts are finished by the serving processes at most this often.
ATTEMPT_SWEEP_SECONDS = env.int("ATTEMPT_SWEEP_SECONDS", default=30)
# Live pages: how often a websocket re-reads the figures when no event arrived
# (covers writers no channel layer reaches, e.g. another process on the embedded default).
LIVE_REFRESH_SECONDS = env.float("LIVE_REFRESH_SECONDS", default=5)
# Open live sockets per client address (run uvicorn with --proxy-headers behind a proxy,
# or every visitor shares the proxy's address).
LIVE_MAX_CONNECTIONS_PER_CLIENT = env.int("LIVE_MAX_CONNECTIONS_PER_CLIENT", default=20)
# Messages a live socket may send a minute (clients only ask for the time); more closes it.
LIVE_MAX_MESSAGES_PER_MINUTE = env.int("LIVE_MAX_MESSAGES_PER_MINUTE", default=30)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cuocthi@localhost")

# --- Internationalization ---------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Sheet scans and uploads waiting for confirmation hold names, phones and CCCDs: they live
# outside MEDIA_ROOT, under random names, and leave only through views that check the role
# (django-sendfile2). Never alias this folder in the web server.
PRIVATE_ROOT = env("PRIVATE_ROOT", default=str(BASE_DIR / "private"))
PRIVATE_STORAGE = {
    "BACKEND": "core.storage.PrivateStorage",
    "OPTIONS": {"location": PRIVATE_ROOT},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# ``django_sendfile.backends.simple`` streams the file from Django; behind nginx use
# ``django_sendfile.backends.nginx`` with an ``internal`` location at SENDFILE_URL.
SENDFILE_BACKEND = env("SENDFILE_BACKEND", default="django_sendfile.backends.simple")
SENDFILE_ROOT = PRIVATE_ROOT
SENDFILE_URL = env("SENDFILE_URL", default="/private-files/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Sign-in and sign-up forms are a few hundred bytes: bigger bodies are refused (413).
AUTH_BODY_MAX_BYTES = 16 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ---------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # + ws(s)://<this host>, added per request by accounts.middleware.SameHostCSPMiddleware
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Site identity shown in the header and footer ---------------------------
SITE_ORGANIZER_NAME = env("SITE_ORGANIZER_NAME", default="UBND huyện Đak Pơ")
SITE_CONTACT = env(
    "SITE_CONTACT",
    default="Ban Tổ chức cuộc thi · Văn phòng HĐND và UBND huyện · ĐT: 0269 3838 000",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "client_errors_without_traceback": {
            "()": "config.logfilters.ClientErrorsWithoutTraceback",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "server_errors": {
            "class": "logging.StreamHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        "cuocthi": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
        # 500s with their tracebacks go to the console in production too (Django's own
        # handlers print them only with DEBUG and otherwise mail ADMINS, which nobody sets).
        "django.request": {
            "handlers": ["server_errors"],
            "filters": ["client_errors_without_traceback"],
        },
    },
}
# The site's own page for a form sent with a stale security token.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
