from django.urls import path

from . import views

urlpatterns = [
    path("", views.followup_list, name="followup-list"),
    path("targets/<int:pk>/", views.target, name="followup-target"),
    path("<int:pk>/", views.detail, name="followup-detail"),
    path("<int:pk>/recheck/", views.recheck, name="followup-recheck"),
    path("<int:pk>/close/", views.close, name="followup-close"),
    path("<int:pk>/decision/", views.decision, name="followup-decision"),
    path("<int:pk>/<str:kind>.docx", views.document, name="followup-docx"),
]
