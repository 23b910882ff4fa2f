"""Which settings each environment gets; run in fresh interpreters."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables of the test process that must not leak into a fresh one.
_DROP = ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_django(code: str, settings: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in _DROP}
    environment.update({"DJANGO_SETTINGS_MODULE": settings, **(env or {})})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,  # migrate + seed_demo on a loaded CI machine
    )


def test_no_configuration_gives_the_embedded_default(tmp_path):
    code = (
        "from django.conf import settings; from django.db import connection; import json;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); mode = c.fetchone()[0];"
        "c.execute('PRAGMA busy_timeout'); busy = c.fetchone()[0];"
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], mode, busy,"
        " settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CACHES['default']['BACKEND'],"
        " settings.TASKS['default']['BACKEND'], settings.TIME_ZONE, settings.LANGUAGE_CODE,"
        " settings.USE_TZ]))"
    )
    result = run_django(
        code, "config.settings.local", {"SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    )
    assert result.returncode == 0, result.stderr
    engine, mode, busy, layer, cache, tasks, tz, lang, use_tz = json.loads(result.stdout)
    assert engine == "django.db.backends.sqlite3" and mode == "wal" and busy >= 5000
    assert layer == "channels.layers.InMemoryChannelLayer"
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
    assert tasks == "django_tasks.backends.immediate.ImmediateBackend"
    assert (tz, lang, use_tz) == ("Asia/Ho_Chi_Minh", "vi", True)


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    code = (
        "from django.conf import settings; import json;"
        "print(json.dumps([settings.DATABASES['default']['ENGINE'],"
        " settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CACHES['default']['BACKEND']]))"
    )
    result = run_django(
        code,
        "config.settings.local",
        {
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x",
            "REDIS_URL": "redis://127.0.0.1:6999/0",
        },
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.db.backends.postgresql",
        "channels_redis.core.RedisChannelLayer",
        "config.cache.ResilientRedisCache",
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django(
        "pass",
        "config.settings.production",
        {
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x",
            "REDIS_URL": "redis://127.0.0.1:6999/0",
            "DJANGO_ALLOWED_HOSTS": "cuocthi.example.vn",
        },
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_services(missing):
    env = {
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x",
        "REDIS_URL": "redis://127.0.0.1:6999/0",
        "DJANGO_ALLOWED_HOSTS": "a.vn",
    }
    env.pop(missing)
    result = run_django("pass", "config.settings.production", env)
    assert result.returncode != 0 and f"{missing} must be set" in result.stderr


def test_production_passes_the_deploy_check_without_warnings():
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "k8#Vq!2mZ@x9Lp$4rT&w6Yh*3Nc^7Bf(5Gd)1Js+0Ae=Ru_Ko-Iy~Ml<Op>Qt",
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x",
            "REDIS_URL": "redis://127.0.0.1:6999/0",
            "DJANGO_ALLOWED_HOSTS": "cuocthi.example.vn",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_postgresql_runs_through_a_bounded_connection_pool():
    code = (
        "from django.conf import settings; import json;"
        "db = settings.DATABASES['default'];"
        "print(json.dumps([db['CONN_MAX_AGE'], db['OPTIONS'].get('pool')]))"
    )
    result = run_django(
        code,
        "config.settings.local",
        {"DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x", "DATABASE_POOL_MAX_SIZE": "12"},
    )
    assert result.returncode == 0, result.stderr
    max_age, pool = json.loads(result.stdout)
    assert max_age == 0  # Django refuses persistent connections with a pool
    assert pool["max_size"] == 12 and pool["min_size"] <= pool["max_size"] and pool["timeout"] > 0
    off = run_django(
        code,
        "config.settings.local",
        {"DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x", "DATABASE_POOL": "false"},
    )
    assert json.loads(off.stdout) == [0, None]  # for PgBouncer in transaction mode
