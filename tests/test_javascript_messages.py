import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
JS = Path(__file__).resolve().parent.parent / "static" / "js"


def test_the_javascript_catalog_speaks_english_in_the_english_interface(client):
    client.cookies["django_language"] = "en"
    catalog = client.get(reverse("javascript-catalog")).content.decode()
    assert "All answers saved" in catalog and "Connection lost" in catalog


def test_every_page_loads_the_javascript_catalog(client):
    page = client.get(reverse("contest:home")).content.decode()
    assert reverse("javascript-catalog") in page


def test_no_vietnamese_message_in_javascript_escapes_the_catalog():
    """Vietnamese text in a script is either a comment or the argument of gettext()."""
    for script in JS.glob("*.js"):
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//")[0]
            for literal in re.findall(r'"([^"]*)"', code):
                if re.search(r"[^\x00-\x7f…✓·—]", literal):
                    assert re.search(r't\("' + re.escape(literal) + '"', code) or re.search(
                        r'(gettext|String)\)\("' + re.escape(literal) + '"', code
                    ), f"{script.name}:{number}: {literal!r} is not translated"
