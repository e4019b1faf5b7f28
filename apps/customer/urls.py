from django.urls import path

from apps.customer.views import (
    MeApi,
    MypageDetailApi,
    MypageListApi,
    NotificationListApi,
    SignUpApi,
    TokenApi,
)

app_name = "customer"

urlpatterns = [
    path("accounts/signup/", SignUpApi.as_view(), name="signup"),
    path("accounts/token/", TokenApi.as_view(), name="token"),
    path("accounts/me/", MeApi.as_view(), name="me"),
    path("mypage/", MypageListApi.as_view(), name="mypage-list"),
    path("mypage/<int:order_id>/", MypageDetailApi.as_view(), name="mypage-detail"),
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
]
