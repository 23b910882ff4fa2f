from django.urls import path

from contest import organizer, results, views

app_name = "contest"
urlpatterns = [
    path("", views.home, name="home"),
    path("time/", views.server_time, name="time"),
    path("me/entries/", views.my_entries, name="my_entries"),
    path("contests/<slug:slug>/", views.contest_detail, name="detail"),
    path("contests/<slug:slug>/start/", views.attempt_begin, name="start"),
    path("attempts/<uuid:pk>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:pk>/answer/", views.attempt_answer, name="answer"),
    path("attempts/<uuid:pk>/review/", views.attempt_review, name="review"),
    path("attempts/<uuid:pk>/submit/", views.attempt_submit_view, name="submit"),
    path("attempts/<uuid:pk>/receipt/", views.attempt_receipt, name="receipt"),
    path("manage/", organizer.manage_list, name="manage_list"),
    path("manage/new/", organizer.manage_edit, name="manage_new"),
    path("manage/<slug:slug>/", organizer.manage_overview, name="manage_overview"),
    path("manage/<slug:slug>/edit/", organizer.manage_edit, name="manage_edit"),
    path("manage/<slug:slug>/results/", results.manage_results, name="manage_results"),
    path("manage/<slug:slug>/results/rank/", results.manage_rank, name="manage_rank"),
    path("manage/<slug:slug>/results/publish/", results.manage_publish, name="manage_publish"),
    path(
        "manage/<slug:slug>/results/export/<str:kind>/",
        results.manage_export,
        name="manage_export",
    ),
    path("contests/<slug:slug>/results/", results.results_page, name="results"),
    path("contests/<slug:slug>/my-result/", results.my_result, name="my_result"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("jobs/<uuid:pk>.json", views.job_json, name="job_json"),
]
