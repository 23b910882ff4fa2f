from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The messages of the site's JavaScript (the djangojs catalog), in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("questions/", include("questions.urls")),
    path("", include("contest.urls")),
]
if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # Public uploads only (question pictures); scans and pending uploads live outside
    # MEDIA_ROOT and leave through views that check the role.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
