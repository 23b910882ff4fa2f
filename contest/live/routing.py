from django.urls import path

from contest.live import consumers

websocket_urlpatterns = [
    path("ws/contests/<slug:slug>/live/", consumers.LiveConsumer.as_asgi()),
    path("ws/contests/<slug:slug>/dashboard/", consumers.DashboardConsumer.as_asgi()),
]
