"""The site's URLs plus one that fails on purpose, to see the 500 page (tests only)."""

from django.urls import include, path


def broken(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("hong/", broken), path("", include("config.urls"))]
