from django.db import models


class Inventory(models.Model):
    room_type_id = models.BigIntegerField()
    night = models.DateField()
    total = models.IntegerField()
    held = models.IntegerField(default=0)
    rate_krw = models.IntegerField()

    class Meta:
        unique_together = [("room_type_id", "night")]


class Order(models.Model):
    guest_id = models.BigIntegerField()
    room_type_id = models.BigIntegerField()
    check_in = models.DateField()
    check_out = models.DateField()
    total_krw = models.IntegerField()
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    payment_key = models.CharField(max_length=200)
    amount_krw = models.IntegerField()
    status = models.CharField(max_length=20)


class Outbox(models.Model):
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
