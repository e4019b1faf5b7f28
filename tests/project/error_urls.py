"""A tiny urlconf whose views fail in each way the API's error handler must shape."""

from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hotel.errors import DomainError


class ProbeError(DomainError):
    """A context's domain error, as every context declares one."""

    http_status = 409


class ProbeInput(serializers.Serializer):
    nights = serializers.IntegerField(min_value=1)


class DomainErrorView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise ProbeError("room_unavailable", "No room left.", details={"room_type_id": 7})


class RetryLaterView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise ProbeError(
            "provider_unavailable", "Try later.", http_status=503, retry_after_seconds=5
        )


class NotFoundView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        raise Http404("no such order")


class ValidationView(APIView):
    permission_classes = (AllowAny,)

    def post(self, request):
        ProbeInput(data=request.data).is_valid(raise_exception=True)
        return Response({})


class NonFieldValidationView(APIView):
    permission_classes = (AllowAny,)

    def post(self, request):
        raise serializers.ValidationError(["check_out must be after check_in"])


urlpatterns = [
    path("domain/", DomainErrorView.as_view()),
    path("retry/", RetryLaterView.as_view()),
    path("missing/", NotFoundView.as_view()),
    path("validate/", ValidationView.as_view()),
    path("non-field/", NonFieldValidationView.as_view()),
]
