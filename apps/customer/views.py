"""Customer endpoints: accounts (``/api/accounts/``), mypage and the notification log.

Thin views over the services and selectors.
"""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import get_language_from_request
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.customer import selectors
from apps.customer.filters import MypageFilter, NotificationFilter
from apps.customer.models import MypageEntry
from apps.customer.selectors import guest_profile_for
from apps.customer.serializers import (
    MypageEntryDetailOutputSerializer,
    MypageEntryOutputSerializer,
    NotificationOutputSerializer,
    ProfileOutputSerializer,
    ProfileUpdateInputSerializer,
    SignUpInputSerializer,
    SignUpOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from apps.customer.services import (
    guest_profile_update,
    guest_sign_up,
    guest_token_issue,
    guest_token_obtain,
)
from hotel.api_schema import api_errors
from hotel.filter_backend import names_a_filter
from hotel.throttling import SettingsScopedRateThrottle, UsernameRateThrottle


@method_decorator(never_cache, name="post")  # the answer carries the new account's token
class SignUpView(APIView):
    """Create a guest account; answers with its profile and an API token."""

    name = "Sign up"

    # No session authentication here: a form post needs no CSRF token to create an account.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (SettingsScopedRateThrottle,)
    throttle_scope = "signup"

    @extend_schema(
        request=SignUpInputSerializer,
        responses={201: SignUpOutputSerializer, **api_errors(429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = SignUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = guest_sign_up(**data.validated_data)
        token = guest_token_issue(user=user)
        profile = guest_profile_for(user=user)
        return Response(
            SignUpOutputSerializer({"token": token, "profile": profile}).data,
            status=status.HTTP_201_CREATED,
        )


@method_decorator(never_cache, name="post")  # the answer is a secret: no cache keeps it
class TokenView(APIView):
    """Exchange a username and password for the account's API token."""

    name = "Your API token"
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (SettingsScopedRateThrottle, UsernameRateThrottle)
    throttle_scope = "login"

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, **api_errors(429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = guest_token_obtain(**data.validated_data)
        return Response(TokenOutputSerializer({"token": token}).data)


class MeView(APIView):
    """The signed-in guest's own profile."""

    name = "Your profile"
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={200: ProfileOutputSerializer})
    def get(self, request: Request) -> Response:
        profile = guest_profile_for(user=request.user)
        return Response(ProfileOutputSerializer(profile).data)

    @extend_schema(request=ProfileUpdateInputSerializer, responses={200: ProfileOutputSerializer})
    def patch(self, request: Request) -> Response:
        data = ProfileUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = guest_profile_update(user=request.user, **data.validated_data)
        return Response(ProfileOutputSerializer(profile).data)


# --- Mypage and notifications: ``/api/mypage/``, ``/api/notifications/`` --------------------


def _language(request: Request) -> str:
    """Labels follow the request's language (cookie or Accept-Language); Korean by default."""
    return get_language_from_request(request._request)


class MypageListView(generics.ListAPIView):
    """Own bookings, newest first; paginated; filter by ``status`` (repeatable)."""

    name = "Your mypage"
    serializer_class = MypageEntryOutputSerializer
    filterset_class = MypageFilter

    def get_queryset(self):
        guest_id = self.request.user.pk
        if names_a_filter(self.request, self.filterset_class):
            return selectors.mypage_list(guest_id=guest_id)  # for django-filter to filter
        return selectors.mypage_pages(guest_id=guest_id)  # the usual read, a page at a time

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "language": _language(self.request)}


class MypageDetailView(generics.RetrieveAPIView):
    """One own booking with its timeline in order; another guest's booking is a 404."""

    name = "A booking on your mypage"
    serializer_class = MypageEntryDetailOutputSerializer
    queryset = MypageEntry.objects.none()  # for the schema; the object comes from the selector

    def get_object(self) -> MypageEntry:
        entry = selectors.mypage_get(
            guest_id=self.request.user.pk, order_id=self.kwargs["order_id"]
        )
        if entry is None:
            raise Http404
        return entry

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "language": _language(self.request)}


class NotificationListView(generics.ListAPIView):
    """Own message log, newest first; filter by ``kind``, ``channel``, ``status``, ``order_id``."""

    name = "Your messages"
    serializer_class = NotificationOutputSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notification_list(guest_id=self.request.user.pk)
