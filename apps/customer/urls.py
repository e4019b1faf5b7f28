from django.urls import path

from apps.customer.views import (
    MeView,
    MypageDetailView,
    MypageListView,
    NotificationListView,
    SignUpView,
    TokenView,
)

app_name = "customer"

urlpatterns = [
    path("accounts/signup/", SignUpView.as_view(), name="signup"),
    path("accounts/token/", TokenView.as_view(), name="token"),
    path("accounts/me/", MeView.as_view(), name="me"),
    path("mypage/", MypageListView.as_view(), name="mypage-list"),
    path("mypage/<int:order_id>/", MypageDetailView.as_view(), name="mypage-detail"),
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
]
