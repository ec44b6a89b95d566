from django.urls import path

from . import views

urlpatterns = [
    path("inspections/<int:pk>.zip", views.download, name="dossier-download"),
]
