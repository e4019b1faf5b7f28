from django.urls import path

from apps.reservations import views

urlpatterns = [
    path("hotels/", views.HotelListView.as_view(), name="hotel-list"),
    path("hotels/<int:pk>/", views.HotelDetailView.as_view(), name="hotel-detail"),
    path(
        "hotels/<int:pk>/availability/",
        views.HotelAvailabilityView.as_view(),
        name="hotel-availability",
    ),
    path("stays/", views.StaySearchView.as_view(), name="stay-search"),
    path("reservations/", views.ReservationListView.as_view(), name="reservation-list"),
    path(
        "reservations/<int:pk>/", views.ReservationDetailView.as_view(), name="reservation-detail"
    ),
    path(
        "reservations/<int:pk>/confirm/",
        views.ReservationConfirmView.as_view(),
        name="reservation-confirm",
    ),
    path(
        "reservations/<int:pk>/reject/",
        views.ReservationRejectView.as_view(),
        name="reservation-reject",
    ),
    path("cancellations/", views.CancellationListView.as_view(), name="cancellation-list"),
]
