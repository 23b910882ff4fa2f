from django.urls import path

from questions import views

app_name = "questions"
urlpatterns = [
    path("", views.bank_list, name="bank_list"),
    path("<slug:slug>/", views.question_list, name="question_list"),
    path("<slug:slug>/new/", views.question_edit, name="question_new"),
    path("<slug:slug>/import/", views.bank_import, name="bank_import"),
    path("<slug:slug>/owners/", views.bank_owners, name="bank_owners"),
    path("<slug:slug>/export.<str:fmt>", views.bank_export, name="bank_export"),
    path("<slug:slug>/q/<str:code>/", views.question_edit, name="question_edit"),
    path("<slug:slug>/q/<str:code>/history/", views.question_history, name="question_history"),
    path(
        "<slug:slug>/q/<str:code>/archive/", views.question_archive_toggle, name="question_archive"
    ),
]
