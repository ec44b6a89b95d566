from django.urls import path

from . import views

urlpatterns = [
    path("", views.proposal_list, name="credit-proposals"),
    path("<int:pk>/", views.proposal_detail, name="credit-proposal"),
    path("<int:pk>/confirm/", views.proposal_confirm, name="credit-proposal-confirm"),
    path("<int:pk>/reject/", views.proposal_reject, name="credit-proposal-reject"),
]
