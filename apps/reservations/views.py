"""The public catalogue API: hotels, their room types, and availability with prices."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reservations import selectors
from apps.reservations.filters import HotelFilter
from apps.reservations.serializers import (
    AvailabilityInputSerializer,
    AvailabilityOutputSerializer,
    HotelDetailOutputSerializer,
    HotelListOutputSerializer,
)


class HotelListApi(generics.ListAPIView):
    """Hotels, paginated; filter by ``city`` (exact, any case) or ``name`` (contains); search."""

    permission_classes = (AllowAny,)
    serializer_class = HotelListOutputSerializer
    filter_backends = (DjangoFilterBackend, filters.SearchFilter)
    filterset_class = HotelFilter
    search_fields = ("name", "city", "address")

    def get_queryset(self):
        return selectors.hotel_list()


class HotelDetailApi(generics.RetrieveAPIView):
    """One hotel with its room types."""

    permission_classes = (AllowAny,)
    serializer_class = HotelDetailOutputSerializer

    def get_queryset(self):
        return selectors.hotel_detail_list()


class HotelAvailabilityApi(APIView):
    """Each room type of the hotel for ``[check_in, check_out)``: availability and prices."""

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
