from django.urls import path

from . import views

urlpatterns = [
    path("", views.stats_index, name="stats"),
    path("download.<str:fmt>", views.stats_download, name="stats-download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("summary/<int:pk>/", views.task_summary, name="stats-summary"),
]
