from django.urls import path

from . import manage_views as views

urlpatterns = [
    path("", views.overview, name="publication-list"),
    path("tasks/<int:pk>/", views.task, name="publication-task"),
    path("tasks/<int:pk>/publish/", views.publish, name="publication-publish"),
    path("rows/<int:pk>/withdraw/", views.withdraw, name="publication-withdraw"),
    path("results/<int:pk>/withhold/", views.withhold, name="publication-withhold"),
    path("withholdings/<int:pk>/decide/", views.decide, name="publication-decide"),
]
