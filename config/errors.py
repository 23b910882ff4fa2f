"""The site's own error pages: translated, with a way back (see templates/4xx/5xx)."""

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """A form sent with a stale or missing security token (CSRF_FAILURE_VIEW).

    Usually a page left open for hours, or cookies blocked: say so, and offer the
    way back. ``reason`` is for developers and is not shown.
    """
    return render(request, "403_csrf.html", status=403)
