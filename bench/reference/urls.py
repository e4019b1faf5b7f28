from django.urls import path

from bench.reference.booking.views import BookView, OrderView

urlpatterns = [
    path("api/orders/", BookView.as_view()),
    path("api/orders/<int:pk>/", OrderView.as_view()),
]
