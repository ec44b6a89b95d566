from django.urls import path

from . import views

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("<uuid:job_id>/", views.job_detail, name="job-detail"),
    path("<uuid:job_id>/progress/", views.job_progress, name="job-progress"),
    path("<uuid:job_id>/file/", views.job_file, name="job-file"),
]
