from django.urls import path

from contest import views

app_name = "contest"
urlpatterns = [
    path("", views.home, name="home"),
    path("contests/<slug:slug>/", views.contest_detail, name="detail"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("jobs/<uuid:pk>.json", views.job_json, name="job_json"),
]
