from django.urls import path

from . import views

urlpatterns = [
    path("inspections/<int:pk>/", views.mailing_page, name="notice-mailings"),
    path("inspections/<int:pk>/notice/", views.notice_page, name="notice-print"),
    path("inspections/<int:pk>/notice.docx", views.notice_docx, name="notice-docx"),
    path("inspections/<int:pk>/mailings/", views.mailing_add, name="mailing-add"),
    path("mailings/<int:pk>/outcome/", views.mailing_outcome, name="mailing-outcome"),
    path("tasks/<int:pk>/notices.docx", views.batch_docx, name="notice-batch-docx"),
]
