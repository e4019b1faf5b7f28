from django.db import transaction
from django.db.models import F, Sum
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.reference.booking.models import Inventory, Order, Outbox, Payment


class BookingIn(serializers.Serializer):
    hotel_id = serializers.IntegerField()
    room_type_id = serializers.IntegerField()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField()
    payment_method = serializers.CharField()
    payment_key = serializers.CharField()


class BookView(APIView):
    """Guarded inventory UPDATE, an order, a payment and two outbox rows, in one transaction."""

    def post(self, request):
        data = BookingIn(data=request.data)
        data.is_valid(raise_exception=True)
        b = data.validated_data
        nights = (b["check_out"] - b["check_in"]).days
        stay = Inventory.objects.filter(
            room_type_id=b["room_type_id"], night__gte=b["check_in"], night__lt=b["check_out"]
        )
        with transaction.atomic():
            if stay.filter(held__lt=F("total")).update(held=F("held") + 1) != nights:
                transaction.set_rollback(True)
                return Response({"code": "room_unavailable"}, status=409)
            total = stay.aggregate(total=Sum("rate_krw"))["total"]
            order = Order.objects.create(
                guest_id=request.user.pk,
                room_type_id=b["room_type_id"],
                check_in=b["check_in"],
                check_out=b["check_out"],
                total_krw=total,
                status="paid",
            )
            Payment.objects.create(
                order=order, payment_key=b["payment_key"], amount_krw=total, status="approved"
            )
            Outbox.objects.bulk_create(
                [
                    Outbox(
                        event_type="OrderPlaced", payload={"order_id": order.pk, "total": total}
                    ),
                    Outbox(event_type="PaymentApproved", payload={"order_id": order.pk}),
                ]
            )
        return Response({"id": order.pk, "status": "paid", "total_krw": total}, status=201)


class OrderOut(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "room_type_id", "check_in", "check_out", "total_krw", "status"]


class OrderView(APIView):
    """One of the guest's orders by primary key: the least a read endpoint can do."""

    def get(self, request, pk):
        order = get_object_or_404(Order, pk=pk, guest_id=request.user.pk)
        return Response(OrderOut(order).data)
