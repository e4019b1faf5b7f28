"""The front door: ``/`` leads to ``/api/``, which lists every resource with what it is for.

The list is written out rather than derived from the URL patterns: it is for people, in the
order a guest meets the resources, each with one line saying what it does and who may use it.
A test checks that every list endpoint of the API appears here.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

#: (URL name, what it is for), in the order a guest meets them.
RESOURCES: list[tuple[str, str]] = [
    ("hotel-list", "Hotels and their room types; each hotel's availability and prices by stay."),
    ("stay-search", "Hotels free for a stay (?check_in=&check_out=&guests=), cheapest first."),
    ("customer:signup", "Create a guest account (POST); the answer carries your API token."),
    ("customer:token", "Exchange your username and password for your API token (POST)."),
    ("customer:me", "Your guest profile: name, phone, language, message preferences."),
    ("order-list", "Book and pay in one request (POST), or list your orders."),
    ("payment-list", "Your payments and their refunds."),
    ("customer:mypage-list", "Every booking's progress, as the hotel and payments report it."),
    ("customer:notification-list", "The KakaoTalk and e-mail messages sent to you."),
    ("reservation-list", "Hoteliers: your hotels' reservation requests, to confirm or reject."),
    ("cancellation-list", "Hoteliers: cancellations at your hotels, with fee and refund."),
]

#: Where the rest of the service is.
LINKS: list[tuple[str, str]] = [
    ("schema", "schema"),
    ("docs", "api-docs"),
    ("admin", "admin:index"),
    ("login", "rest_framework:login"),
]


class ApiRootView(APIView):
    """Every resource of the hotel API, with what it is for. Sign in (top right) to use the
    ones that need an account; hoteliers manage requests here or in the admin."""

    name = "hotel API"
    permission_classes = (AllowAny,)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "resources": [
                    {
                        "name": name,
                        "url": request.build_absolute_uri(reverse(name)),
                        "description": description,
                    }
                    for name, description in RESOURCES
                ],
                "links": {key: request.build_absolute_uri(reverse(name)) for key, name in LINKS},
            }
        )
