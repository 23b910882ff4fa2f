app_name = "questions"
urlpatterns: list = []
