# Verbose names, help texts and choice labels in English, translated at runtime (no schema change).

import apps.orders.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_booked_cancellation_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="bookingrequest",
            options={"verbose_name": "booking request", "verbose_name_plural": "booking requests"},
        ),
        migrations.AlterModelOptions(
            name="order",
            options={"verbose_name": "order", "verbose_name_plural": "orders"},
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="completed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="completed at"),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="fingerprint",
            field=models.CharField(max_length=64, verbose_name="request fingerprint"),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="guest",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                to=settings.AUTH_USER_MODEL,
                verbose_name="guest",
            ),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="idempotency_key",
            field=models.CharField(max_length=255, verbose_name="idempotency key"),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="order",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="booking_request",
                to="orders.order",
                verbose_name="order",
            ),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="outcome",
            field=models.JSONField(blank=True, null=True, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="order",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="cancellation reason"),
        ),
        migrations.AlterField(
            model_name="order",
            name="cancellation_fee_krw",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="cancellation fee (KRW)"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="cancellation_id",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="cancellation id"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AlterField(
            model_name="order",
            name="check_in",
            field=models.DateField(verbose_name="check-in"),
        ),
        migrations.AlterField(
            model_name="order",
            name="check_out",
            field=models.DateField(verbose_name="check-out"),
        ),
        migrations.AlterField(
            model_name="order",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed at"),
        ),
        migrations.AlterField(
            model_name="order",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="order",
            name="failure_code",
            field=models.CharField(blank=True, max_length=50, verbose_name="failure code"),
        ),
        migrations.AlterField(
            model_name="order",
            name="failure_message",
            field=models.CharField(blank=True, max_length=300, verbose_name="failure message"),
        ),
        migrations.AlterField(
            model_name="order",
            name="guest",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to=settings.AUTH_USER_MODEL,
                verbose_name="guest",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="guests",
            field=models.PositiveSmallIntegerField(verbose_name="guests"),
        ),
        migrations.AlterField(
            model_name="order",
            name="hotel_id",
            field=models.PositiveBigIntegerField(verbose_name="hotel id"),
        ),
        migrations.AlterField(
            model_name="order",
            name="hotel_name",
            field=models.CharField(max_length=200, verbose_name="hotel name"),
        ),
        migrations.AlterField(
            model_name="order",
            name="hotel_time_zone",
            field=models.CharField(blank=True, max_length=64, verbose_name="hotel's time zone"),
        ),
        migrations.AlterField(
            model_name="order",
            name="nights",
            field=models.PositiveSmallIntegerField(verbose_name="nights"),
        ),
        migrations.AlterField(
            model_name="order",
            name="paid_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="paid at"),
        ),
        migrations.AlterField(
            model_name="order",
            name="payment_method",
            field=models.CharField(max_length=20, verbose_name="payment method"),
        ),
        migrations.AlterField(
            model_name="order",
            name="payment_outcome_uncertain",
            field=models.BooleanField(default=False, verbose_name="payment outcome uncertain"),
        ),
        migrations.AlterField(
            model_name="order",
            name="reference",
            field=models.CharField(
                default=apps.orders.models.new_order_reference,
                max_length=64,
                verbose_name="order reference",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="refund_krw",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="refund (KRW)"),
        ),
        migrations.AlterField(
            model_name="order",
            name="rejected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="rejected at"),
        ),
        migrations.AlterField(
            model_name="order",
            name="rejection_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="rejection reason"),
        ),
        migrations.AlterField(
            model_name="order",
            name="room_type_id",
            field=models.PositiveBigIntegerField(verbose_name="room type id"),
        ),
        migrations.AlterField(
            model_name="order",
            name="room_type_name",
            field=models.CharField(max_length=200, verbose_name="room type name"),
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending_payment", "Pending payment"),
                    ("paid", "Paid (confirming reservation)"),
                    ("confirmed", "Confirmed"),
                    ("rejected", "Rejected by the hotel"),
                    ("cancelled", "Cancelled"),
                    ("payment_failed", "Payment failed"),
                ],
                default="pending_payment",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="terms_fee_percent",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="cancellation fee (%)"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="terms_free_until",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="free cancellation until"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="terms_no_refund_from",
            field=models.DateTimeField(blank=True, null=True, verbose_name="no refund from"),
        ),
        migrations.AlterField(
            model_name="order",
            name="terms_summary",
            field=models.CharField(blank=True, max_length=300, verbose_name="cancellation terms"),
        ),
        migrations.AlterField(
            model_name="order",
            name="total_krw",
            field=models.PositiveIntegerField(verbose_name="total (KRW)"),
        ),
        migrations.AlterField(
            model_name="order",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
