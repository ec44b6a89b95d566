from django.urls import path

from . import views

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("workload/", views.workload, name="workload"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("<int:pk>/direct/", views.inspection_direct, name="inspection-direct"),
    path("<int:pk>/cross-region/", views.inspection_cross_region, name="inspection-cross-region"),
    path("<int:pk>/reassign/", views.inspection_reassign, name="inspection-reassign"),
    path("<int:pk>/extra/", views.inspection_extra, name="inspection-extra"),
    path("draws/<int:pk>/", views.draw_matching, name="draw-matching"),
    path("draws/<int:pk>/workload/", views.draw_workload, name="draw-workload"),
    path("draws/<int:pk>/groups.xlsx", views.draw_groups_xlsx, name="draw-groups-xlsx"),
]
