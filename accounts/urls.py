from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("captcha.png", views.captcha_image, name="captcha"),
    path("profile/", views.profile_edit, name="profile"),
]
