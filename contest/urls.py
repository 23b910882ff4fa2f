from django.urls import path

from contest import views

app_name = "contest"
urlpatterns = [
    path("", views.home, name="home"),
    path("contests/<slug:slug>/", views.contest_detail, name="detail"),
]
