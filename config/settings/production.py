"""Production: PostgreSQL, Redis, HTTPS behind a reverse proxy, several ASGI workers.

Refuses to start unless ``DJANGO_SECRET_KEY``, ``DATABASE_URL`` and
``REDIS_URL`` are set.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PRIVATE_STORAGE, env

for _name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
    if not env(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production.")

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SMS_BACKEND = env("SMS_BACKEND", default="accounts.sms.LogBackend")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
