from django.urls import path

from apps.reservations import views

urlpatterns = [
    path("hotels/", views.HotelListApi.as_view(), name="hotel-list"),
    path("hotels/<int:pk>/", views.HotelDetailApi.as_view(), name="hotel-detail"),
    path(
        "hotels/<int:pk>/availability/",
        views.HotelAvailabilityApi.as_view(),
        name="hotel-availability",
    ),
    path("reservations/", views.ReservationListApi.as_view(), name="reservation-list"),
    path("reservations/<int:pk>/", views.ReservationDetailApi.as_view(), name="reservation-detail"),
    path(
        "reservations/<int:pk>/confirm/",
        views.ReservationConfirmApi.as_view(),
        name="reservation-confirm",
    ),
    path(
        "reservations/<int:pk>/reject/",
        views.ReservationRejectApi.as_view(),
        name="reservation-reject",
    ),
    path("cancellations/", views.CancellationListApi.as_view(), name="cancellation-list"),
]
