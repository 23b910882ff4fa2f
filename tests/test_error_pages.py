"""The site's own error pages, translated, with a way back; quiet logs for refusals."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.contest.test_ranking import make_contest
from tests.factories import ProfileFactory
from tests.test_settings import run_django

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_sites_own_in_vietnamese_with_a_way_home(client):
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang này" in html and reverse("contest:home") in html
    assert 'class="site-header"' in html


def test_a_missing_page_speaks_english_in_the_english_interface(client):
    client.cookies["django_language"] = "en"
    html = client.get("/khong-co-trang-nay/").content.decode()
    assert "Page not found" in html and "Không tìm thấy" not in html


def test_a_refused_page_explains_and_is_logged_without_a_traceback(client, caplog):
    contest = make_contest()
    client.force_login(ProfileFactory().user)
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        response = client.get(reverse("contest:manage_results", args=[contest.slug]))
    assert response.status_code == 403
    assert "Bạn không có quyền xem trang này" in response.content.decode()
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None and r.levelno <= logging.WARNING for r in records)


def test_a_stale_form_gets_the_sites_own_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Trang đã mở quá lâu" in html and reverse("contest:home") in html
    assert "CSRF" not in html


def test_a_server_error_is_the_sites_own_page(client, settings):
    settings.ROOT_URLCONF = "tests.broken_urls"
    client.raise_request_exception = False
    response = client.get("/hong/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Xin lỗi, máy chủ gặp lỗi" in html and "Traceback" not in html


def test_make_run_settings_serve_pages_and_static_files_with_debug_off(tmp_path):
    code = (
        "from django.conf import settings; from django.core.management import call_command;"
        "call_command('migrate', verbosity=0); call_command('seed_demo', stdout=open('/dev/null', 'w'));"
        "from django.test import Client; c = Client(HTTP_HOST='127.0.0.1');"
        "print(settings.DEBUG, c.get('/').status_code, c.get('/static/css/site.css').status_code,"
        " c.get('/contests/khong-co/').status_code, Client(HTTP_HOST='localhost').get('/').status_code)"
    )
    result = run_django(
        code,
        "config.settings.local",
        {"DJANGO_DEBUG": "0", "SQLITE_PATH": str(tmp_path / "db.sqlite3")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-5:] == ["False", "200", "200", "404", "200"], result.stdout


def test_make_run_settings_serve_question_pictures_with_debug_off(tmp_path):
    """`make run` has no web server in front: the app serves /media/ (question pictures) itself."""
    media = tmp_path / "media"
    (media / "questions").mkdir(parents=True)
    (media / "questions" / "hinh.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.txt").write_text("không được lộ")
    code = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.test import Client; c = Client(HTTP_HOST='127.0.0.1');"
        "print(c.get('/media/questions/hinh.png').status_code,"
        " c.get('/media/../secret.txt').status_code, c.get('/media/%2e%2e/secret.txt').status_code)"
    )
    result = run_django(
        code,
        "config.settings.local",
        {
            "DJANGO_DEBUG": "0",
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "MEDIA_ROOT": str(media),
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    picture, *escapes = result.stdout.split()[-3:]
    assert picture == "200" and all(status in ("400", "404") for status in escapes), result.stdout
