from django.urls import path

from contest import organizer
from contest.live import views as live
from contest.online import views
from contest.paper import keying_views, printing_views, scan_views, upload_views
from contest.results import views as results
from core import views as core_views

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
    path("manage/<slug:slug>/close/", organizer.manage_close, name="manage_close"),
    path("manage/<slug:slug>/essays.csv", organizer.manage_essays, name="manage_essays"),
    path("manage/<slug:slug>/essays.xlsx", organizer.manage_essays_xlsx, name="manage_essays_xlsx"),
    path("manage/<slug:slug>/results/", results.manage_results, name="manage_results"),
    path("manage/<slug:slug>/results/rank/", results.manage_rank, name="manage_rank"),
    path("manage/<slug:slug>/results/publish/", results.manage_publish, name="manage_publish"),
    path("manage/<slug:slug>/results/key/", results.manage_key_correct, name="manage_key_correct"),
    path(
        "manage/<slug:slug>/results/winners/",
        results.manage_winner_check,
        name="manage_winner_check",
    ),
    path(
        "manage/<slug:slug>/results/export/<str:kind>/",
        results.manage_export,
        name="manage_export",
    ),
    path("paper/", keying_views.clerk_home, name="clerk_home"),
    path("manage/<slug:slug>/paper/", keying_views.paper_home, name="paper_home"),
    path(
        "manage/<slug:slug>/paper/receive/", keying_views.paper_receive_view, name="paper_receive"
    ),
    path("manage/<slug:slug>/paper/key/", keying_views.paper_key_view, name="paper_key"),
    path("manage/<slug:slug>/paper/upload/", upload_views.paper_upload, name="paper_upload"),
    path("manage/<slug:slug>/paper/scan/", scan_views.scan_upload, name="scan_upload"),
    path("manage/<slug:slug>/paper/scan/review/", scan_views.scan_queue, name="scan_queue"),
    path("manage/<slug:slug>/paper/scan/<int:pk>/", scan_views.scan_review, name="scan_review"),
    path(
        "manage/<slug:slug>/paper/scan/<int:pk>/<str:place>.png",
        scan_views.scan_crop,
        name="scan_crop",
    ),
    path(
        "manage/<slug:slug>/paper/conflicts/<str:sheet_no>/",
        keying_views.paper_conflict,
        name="paper_conflict",
    ),
    path(
        "manage/<slug:slug>/paper/scans/<str:sheet_no>/",
        scan_views.paper_scan,
        name="paper_scan",
    ),
    path(
        "manage/<slug:slug>/paper/sheets/<str:sheet_no>/",
        keying_views.paper_sheet,
        name="paper_sheet",
    ),
    path("manage/<slug:slug>/paper/form/<str:kind>/", printing_views.paper_form, name="paper_form"),
    path("contests/<slug:slug>/paper/<str:kind>/", printing_views.public_form, name="public_form"),
    path("contests/<slug:slug>/results/", results.results_page, name="results"),
    path("contests/<slug:slug>/live.json", live.live_json, name="live_json"),
    path("manage/<slug:slug>/live/", live.manage_live, name="manage_live"),
    path("manage/<slug:slug>/ceremony/", results.manage_ceremony, name="manage_ceremony"),
    path("contests/<slug:slug>/my-result/", results.my_result, name="my_result"),
    path("jobs/<uuid:pk>/", core_views.job_page, name="job"),
    path("jobs/<uuid:pk>.json", core_views.job_json, name="job_json"),
]
