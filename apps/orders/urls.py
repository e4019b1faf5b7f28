from django.urls import path

from apps.orders import views

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<int:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path(
        "orders/<int:order_id>/cancellation-quote/",
        views.OrderCancellationQuoteView.as_view(),
        name="order-cancellation-quote",
    ),
]
