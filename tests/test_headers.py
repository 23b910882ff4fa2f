"""Security headers, body caps on the public account forms, and logging of server errors."""

import pytest
from django.urls import reverse

from tests.test_settings import run_django

pytestmark = pytest.mark.django_db


def _directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_connect_src_names_only_this_sites_own_host(client):
    response = client.get(reverse("contest:home"), HTTP_HOST="testserver")
    sources = _directive(response["Content-Security-Policy"], "connect-src")
    assert sorted(sources) == sorted(["'self'", "ws://testserver", "wss://testserver"])
    secure = client.get(reverse("contest:home"), secure=True)
    assert sorted(_directive(secure["Content-Security-Policy"], "connect-src")) == sorted(
        ["'self'", "wss://testserver"]
    )


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_an_oversized_body_on_login_and_signup_is_refused_with_a_message(client, path):
    response = client.post(path, {"login": "0905123456", "password": "x" * 40_000})
    assert response.status_code == 413
    assert "quá lớn" in response.content.decode()


def test_a_normal_login_body_still_reaches_the_form(client):
    response = client.post("/accounts/login/", {"login": "0905123456", "password": "sai-mat-khau"})
    assert response.status_code == 200  # the form, with its error


def test_production_logs_server_error_tracebacks():
    code = (
        "import logging; from django.test import RequestFactory;"
        "from django.utils.log import log_response;"
        "from django.http import HttpResponseServerError;"
        "request = RequestFactory().get('/boom/');\n"
        "try:\n    1/0\nexcept ZeroDivisionError:\n"
        "    import sys; log_response('Internal Server Error: %s', request.path,"
        " response=HttpResponseServerError(), request=request, exception=sys.exc_info()[1])"
    )
    env = {
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5999/x",
        "REDIS_URL": "redis://127.0.0.1:6999/0",
        "DJANGO_ALLOWED_HOSTS": "a.vn",
    }
    result = run_django(code, "config.settings.production", env)
    assert result.returncode == 0, result.stderr
    assert "Internal Server Error: /boom/" in result.stderr
    assert "ZeroDivisionError" in result.stderr  # the traceback, not just the line


def test_the_operators_unit_file_sets_the_websocket_message_limit():
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs/operators.md").read_text()
    units = [
        line for line in guide.splitlines() if line.startswith("ExecStart=") and "uvicorn" in line
    ]
    assert units and all("--ws-max-size 4096" in line for line in units)


def test_the_operators_unit_file_turns_websocket_compression_off():
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs/operators.md").read_text()
    units = [
        line for line in guide.splitlines() if line.startswith("ExecStart=") and "uvicorn" in line
    ]
    assert units and all("--ws-per-message-deflate false" in line for line in units)
