from django.urls import path

from . import views

urlpatterns = [
    path("entities/", views.entity_list, name="entity-list"),
    path("entities/<str:uid>/", views.entity_detail, name="entity-detail"),
]
