from django.urls import path

from bench.reference.booking.views import BookView

urlpatterns = [path("api/orders/", BookView.as_view())]
