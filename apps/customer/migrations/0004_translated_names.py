# Verbose names, help texts and choice labels in English, translated at runtime (no schema change).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customer", "0003_no_foreign_key_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="guestprofile",
            options={"verbose_name": "guest profile", "verbose_name_plural": "guest profiles"},
        ),
        migrations.AlterModelOptions(
            name="notification",
            options={
                "verbose_name": "guest notification",
                "verbose_name_plural": "guest notifications",
            },
        ),
        migrations.AlterField(
            model_name="guestprofile",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="guestprofile",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="guestprofile",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="guest_profile",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="booked_at",
            field=models.DateTimeField(verbose_name="booked at"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="cancellation_fee_krw",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="cancellation fee (KRW)"
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="cancellation_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="cancellation reason"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled at"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="check_in",
            field=models.DateField(blank=True, null=True, verbose_name="check-in"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="check_out",
            field=models.DateField(blank=True, null=True, verbose_name="check-out"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="guest_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="guest id"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="guests",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="guests"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="hotel_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="hotel id"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="hotel_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="hotel name"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="last_sequence",
            field=models.PositiveBigIntegerField(verbose_name="last event applied (sequence)"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="masked_card_number",
            field=models.CharField(blank=True, max_length=32, verbose_name="card number (masked)"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="nights",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="nights"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="order_id",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="order id"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="order_reference",
            field=models.CharField(blank=True, max_length=64, verbose_name="order reference"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="paid_krw",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="paid (KRW)"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="payment_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="payment id"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="payment_method",
            field=models.CharField(blank=True, max_length=20, verbose_name="payment method"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="payment_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="payment status"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="refund_due_krw",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="refund due (KRW)"
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="refunded_krw",
            field=models.PositiveBigIntegerField(default=0, verbose_name="refunded (KRW)"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="rejection_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="rejection reason"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="reservation_id",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="reservation id"
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="reservation_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="reservation status"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="room_type_id",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="room type id"
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="room_type_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="room type name"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("paid", "Booked and paid"),
                    ("confirming", "Confirming reservation"),
                    ("confirmed", "Confirmed"),
                    ("rejected", "Rejected by the hotel"),
                    ("cancelled", "Cancelled"),
                    ("refunded", "Refunded"),
                ],
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="total_krw",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="total (KRW)"),
        ),
        migrations.AlterField(
            model_name="mypageentry",
            name="updated_at",
            field=models.DateTimeField(verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="entry",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="timeline",
                to="customer.mypageentry",
                verbose_name="mypage entry",
            ),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="event_id",
            field=models.UUIDField(unique=True, verbose_name="event id"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="event_type",
            field=models.CharField(max_length=100, verbose_name="event type"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="kind",
            field=models.CharField(max_length=30, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="notify_kind",
            field=models.CharField(blank=True, max_length=20, verbose_name="message to the guest"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="occurred_at",
            field=models.DateTimeField(verbose_name="occurred at"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="sequence",
            field=models.PositiveBigIntegerField(verbose_name="sequence"),
        ),
        migrations.AlterField(
            model_name="mypagetimelineentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("paid", "Booked and paid"),
                    ("confirming", "Confirming reservation"),
                    ("confirmed", "Confirmed"),
                    ("rejected", "Rejected by the hotel"),
                    ("cancelled", "Cancelled"),
                    ("refunded", "Refunded"),
                ],
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="body",
            field=models.TextField(verbose_name="body"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="channel",
            field=models.CharField(
                choices=[("kakao", "KakaoTalk"), ("email", "E-mail")],
                max_length=10,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="event_id",
            field=models.UUIDField(verbose_name="event id"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="guest",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
                verbose_name="guest",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="idempotency_key",
            field=models.UUIDField(unique=True, verbose_name="idempotency key"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("booked", "Booked and paid"),
                    ("confirmed", "Confirmed"),
                    ("rejected", "Rejected"),
                    ("cancelled", "Cancelled"),
                    ("refunded", "Refunded"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="language",
            field=models.CharField(
                choices=[("ko", "한국어"), ("en", "English")], max_length=2, verbose_name="language"
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="order_id",
            field=models.PositiveBigIntegerField(verbose_name="order id"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="provider_message_id",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="provider's message id"
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient_masked",
            field=models.CharField(blank=True, max_length=100, verbose_name="recipient (masked)"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="skip_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason skipped"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("skipped", "Skipped"),
                ],
                default="queued",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="template_code",
            field=models.CharField(blank=True, max_length=100, verbose_name="template code"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="template_parameters",
            field=models.JSONField(blank=True, default=dict, verbose_name="template parameters"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=models.CharField(max_length=200, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
