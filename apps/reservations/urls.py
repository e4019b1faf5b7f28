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
]
