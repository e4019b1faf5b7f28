from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.orders import selectors, services
from apps.orders.filters import OrderFilter
from apps.orders.models import BookingRequest
from apps.orders.serializers import (
    BookingInputSerializer,
    CancellationInputSerializer,
    CancellationQuoteSerializer,
    OrderSerializer,
)
from hotel.api_schema import api_errors
from hotel.eventbus import backpressure
from hotel.throttling import SettingsScopedRateThrottle

#: The longest Idempotency-Key kept (its column's length); a longer one is refused.
IDEMPOTENCY_KEY_MAX_LENGTH = BookingRequest._meta.get_field("idempotency_key").max_length


class BookingThrottle(SettingsScopedRateThrottle):
    scope = "booking"

    def allow_request(self, request, view):
        return request.method != "POST" or super().allow_request(request, view)


class OrderListView(GenericAPIView):
    """Your orders (GET), or book and pay (POST) in one request."""

    name = "Your orders: book and pay"
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    throttle_classes = [BookingThrottle]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Before authentication reads the database: a waiting booking holds no connection.
            request.backpressure_wait = backpressure.bookings.wait()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        waited = getattr(request, "backpressure_wait", 0.0)
        if waited:
            # How long the booking waited for the event workers to catch up (W3C Server-Timing).
            response["Server-Timing"] = f"backpressure;dur={waited * 1000:.0f}"
        return super().finalize_response(request, response, *args, **kwargs)

    def get_queryset(self):
        return selectors.order_list(guest_id=self.request.user.pk)

    def get_serializer_class(self):
        # The browsable API's form for POST is the booking form: what a booking takes, not
        # the order it returns.
        return BookingInputSerializer if self.request.method == "POST" else OrderSerializer

    @extend_schema(operation_id="orders_list", responses=OrderSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=BookingInputSerializer,
        responses={201: OrderSerializer, **api_errors(402, 404, 409, 422, 429, 503)},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description=(
                    "Makes retries safe: the same key returns the first outcome. "
                    f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} printable characters."
                ),
            )
        ],
    )
    def post(self, request):
        idempotency_key = request.headers.get("Idempotency-Key", "")
        if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            # Cut short, two different keys could collide on their first 255 characters.
            raise ValidationError(
                {"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]}
            )
        if not idempotency_key.isprintable():
            # A control character is no header an HTTP server passes on, and PostgreSQL refuses
            # a NUL in text: refused here, not a 500 when the key is stored.
            raise ValidationError({"Idempotency-Key": ["Printable characters only."]})
        data = BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_place(
            guest_id=request.user.pk,
            booking=services.BookingInput(**data.validated_data),
            idempotency_key=idempotency_key,
        )
        # A plain dict, not the serializer's ReturnDict: the browsable API then offers the
        # booking form again, not a form of the order's fields.
        return Response(dict(OrderSerializer(order).data), status=status.HTTP_201_CREATED)


class OrderDetailView(GenericAPIView):
    name = "Your order"
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer

    def get(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id, guest_id=request.user.pk)
        return Response(OrderSerializer(order).data)


class OrderCancelView(GenericAPIView):
    """Cancel your order. The fee and refund follow the hotel's cancellation policy (see
    ``cancellation-quote/`` first); cancelling twice or after the stay is a 409."""

    name = "Cancel your order"
    permission_classes = [IsAuthenticated]
    serializer_class = CancellationInputSerializer

    @extend_schema(
        request=CancellationInputSerializer, responses={200: OrderSerializer, **api_errors(409)}
    )
    def post(self, request, order_id: int):
        data = CancellationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_cancel(
            order_id=order_id, guest_id=request.user.pk, reason=data.validated_data["reason"]
        )
        return Response(OrderSerializer(order).data)


class OrderCancellationQuoteView(GenericAPIView):
    """What cancelling your order now would cost: the fee kept and the refund."""

    name = "What cancelling would cost"
    permission_classes = [IsAuthenticated]
    serializer_class = CancellationQuoteSerializer

    @extend_schema(responses={200: CancellationQuoteSerializer, **api_errors(409)})
    def get(self, request, order_id: int):
        quote = services.order_cancellation_quote(order_id=order_id, guest_id=request.user.pk)
        return Response(CancellationQuoteSerializer(quote).data)
