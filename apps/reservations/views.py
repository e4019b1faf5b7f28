"""The public catalogue API (hotels, room types, availability with prices) and the hoteliers'
API (their hotels' reservations: list, confirm, reject; cancellations)."""

from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reservations import selectors, services
from apps.reservations.filters import CancellationFilter, HotelFilter, ReservationFilter
from apps.reservations.serializers import (
    AvailabilityInputSerializer,
    AvailabilityOutputSerializer,
    CancellationOutputSerializer,
    HotelDetailOutputSerializer,
    HotelListOutputSerializer,
    ReservationOutputSerializer,
    ReservationRejectInputSerializer,
    StayOfferOutputSerializer,
    StaySearchInputSerializer,
)
from hotel.api_schema import api_errors
from hotel.filter_backend import FilterBackend
from hotel.pagination import CountedPageNumberPagination


class HotelListView(generics.ListAPIView):
    """Hotels, paginated; filter by ``city`` (exact, any case) or ``name`` (contains); search."""

    name = "Hotels"
    permission_classes = (AllowAny,)
    serializer_class = HotelListOutputSerializer
    filter_backends = (FilterBackend, filters.SearchFilter)
    filterset_class = HotelFilter
    search_fields = ("name", "city", "address")

    def get_queryset(self):
        return selectors.hotel_list()


class HotelDetailView(generics.RetrieveAPIView):
    """One hotel with its room types."""

    name = "A hotel"
    permission_classes = (AllowAny,)
    serializer_class = HotelDetailOutputSerializer

    def get_queryset(self):
        return selectors.hotel_detail_list()


class HotelAvailabilityView(APIView):
    """Each room type of the hotel for ``[check_in, check_out)``: availability and prices."""

    name = "Availability and prices"
    permission_classes = (AllowAny,)

    @extend_schema(parameters=[AvailabilityInputSerializer], responses=AvailabilityOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        params = AvailabilityInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        stay = params.validated_data
        room_types = selectors.hotel_availability(
            hotel_id=pk,
            check_in=stay["check_in"],
            check_out=stay["check_out"],
            guests=stay["guests"],
        )
        return Response(
            AvailabilityOutputSerializer(
                {
                    "hotel_id": pk,
                    "check_in": stay["check_in"],
                    "check_out": stay["check_out"],
                    "guests": stay["guests"],
                    "room_types": room_types,
                }
            ).data
        )


class StaySearchView(generics.ListAPIView):
    """Hotels free for your stay, each with its cheapest room type for the whole stay.

    Give ``check_in`` and ``check_out`` (the stay is ``[check_in, check_out)``, at most 30
    nights, not in the past) and ``guests``. A hotel is listed when one of its room types
    sleeps that many and has a room free on every night; ``total_krw`` is that room type's
    price for the stay (nightly rates included), the cheapest one the hotel has.

    Optional: ``city`` (exact, any case); ``min_total`` / ``max_total``, the total for the
    whole stay in KRW (a hotel is listed when a room type within the range is free, and the
    cheapest such one is shown); ``ordering``: ``price`` (default), ``-price``, ``name``,
    ``-name``. Each result links to the hotel and to its availability for the same stay.
    """

    name = "Search stays"
    permission_classes = (AllowAny,)
    serializer_class = StayOfferOutputSerializer
    pagination_class = CountedPageNumberPagination
    filter_backends = ()  # the query serializer reads every parameter

    @extend_schema(
        parameters=[StaySearchInputSerializer],
        responses={200: StayOfferOutputSerializer(many=True), **api_errors(400)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        params = StaySearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        results = selectors.stay_search(
            check_in=query["check_in"],
            check_out=query["check_out"],
            guests=query["guests"],
            city=query.get("city") or None,
            min_total_krw=query.get("min_total"),
            max_total_krw=query.get("max_total"),
            ordering=query["ordering"],
        )
        page = self.paginate_queryset(results)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Hotelier API --------------------------------------------------------------------------
# A hotelier sees and acts on their own hotels' reservations only, a superuser on all; any
# other reservation is a 404 for them, as if it did not exist (a guest's list is empty).


class ReservationListView(generics.ListAPIView):
    """Reservations of the hotels you manage, newest request first, paginated.

    Filters: ``hotel``, ``status``, ``check_in_after``/``check_in_before``,
    ``check_out_after``/``check_out_before``; ``search`` by guest name or order id.
    """

    name = "Your hotels' reservations"
    permission_classes = (IsAuthenticated,)
    serializer_class = ReservationOutputSerializer
    filter_backends = (FilterBackend,)
    filterset_class = ReservationFilter

    def get_queryset(self):
        return selectors.reservation_list_for(user=self.request.user)


class ReservationDetailView(APIView):
    name = "A reservation"
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=ReservationOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        reservation = selectors.reservation_get_for(reservation_id=pk, user=request.user)
        return Response(ReservationOutputSerializer(reservation).data)


class ReservationConfirmView(APIView):
    """Confirm a requested reservation (409 ``illegal_reservation_transition`` otherwise)."""

    name = "Confirm a reservation"
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={200: ReservationOutputSerializer, **api_errors(409)})
    def post(self, request: Request, pk: int) -> Response:
        services.reservation_confirm(reservation_id=pk, by=request.user)
        reservation = selectors.reservation_get_for(reservation_id=pk, user=request.user)
        return Response(ReservationOutputSerializer(reservation).data)


class ReservationRejectView(APIView):
    """Reject a requested reservation with a ``reason`` for the guest; its rooms are released
    and the guest is refunded in full."""

    name = "Reject a reservation"
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=ReservationRejectInputSerializer,
        responses={200: ReservationOutputSerializer, **api_errors(409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        # Out of scope is a 404 even with a bad body: nothing about it is told to outsiders.
        selectors.reservation_get_for(reservation_id=pk, user=request.user)
        body = ReservationRejectInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reservation_reject(
            reservation_id=pk, by=request.user, reason=body.validated_data["reason"]
        )
        reservation = selectors.reservation_get_for(reservation_id=pk, user=request.user)
        return Response(ReservationOutputSerializer(reservation).data)


class CancellationListView(generics.ListAPIView):
    """Cancellations of the hotels you manage, newest first, with the fee each one kept.

    Filters: ``hotel``, ``cancelled_by``, ``cancelled_at_after``/``cancelled_at_before``
    (dates); ``search`` by guest name or order id.
    """

    name = "Your hotels' cancellations"
    permission_classes = (IsAuthenticated,)
    serializer_class = CancellationOutputSerializer
    filter_backends = (FilterBackend,)
    filterset_class = CancellationFilter

    def get_queryset(self):
        return selectors.cancellation_list_for(user=self.request.user)
