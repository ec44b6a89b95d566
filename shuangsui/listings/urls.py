from django.urls import path

from . import views

urlpatterns = [
    path("", views.listing_list, name="listing-list"),
    path("<int:pk>/", views.listing_detail, name="listing-detail"),
    path("<int:pk>/form.docx", views.listing_docx, name="listing-docx"),
    path("<int:pk>/reminder/", views.listing_reminder, name="listing-reminder"),
    path("<int:pk>/step/", views.listing_step, name="listing-step"),
    path("<int:pk>/removal/", views.removal_apply, name="removal-apply"),
    path("removals/<int:pk>/step/", views.removal_step, name="removal-step"),
    path("orders/<int:pk>/fulfil/", views.order_fulfil, name="order-fulfil"),
]
