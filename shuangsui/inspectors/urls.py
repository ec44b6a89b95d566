from django.urls import path

from . import views

urlpatterns = [
    path("", views.inspector_list, name="inspector-list"),
    path("<int:pk>/", views.inspector_detail, name="inspector-detail"),
]
