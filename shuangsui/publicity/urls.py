from django.urls import path

from . import views

urlpatterns = [
    path("", views.items, name="public-items"),
    path("plans/", views.plans, name="public-plans"),
    path("tasks/", views.tasks, name="public-tasks"),
    path("tasks/<int:pk>/", views.task, name="public-task"),
    path("tasks/<int:pk>/draws/<int:number>/", views.draw, name="public-draw"),
    path(
        "tasks/<int:pk>/draws/<int:number>/<str:kind>/",
        views.draw_file,
        name="public-draw-file",
    ),
    path("verify_draw.py", views.verifier, name="public-verifier"),
    path("results/", views.results, name="public-results"),
    path("results/notices/<int:pk>/", views.notice, name="public-notice"),
    path("entities/<str:uid>/", views.entity, name="public-entity"),
    path("checkpoints/", views.checkpoints, name="public-checkpoints"),
]
