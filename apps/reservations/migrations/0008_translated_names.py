# Verbose names, help texts and choice labels in English, translated at runtime (no schema change).

import apps.reservations.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0007_request_deadline"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="cancellation",
            options={
                "ordering": ("-cancelled_at", "-id"),
                "verbose_name": "cancellation",
                "verbose_name_plural": "cancellations",
            },
        ),
        migrations.AlterModelOptions(
            name="cancellationpolicy",
            options={
                "ordering": ("hotel_id", "room_type_id", "id"),
                "verbose_name": "cancellation policy",
                "verbose_name_plural": "cancellation policies",
            },
        ),
        migrations.AlterModelOptions(
            name="hotel",
            options={
                "ordering": ("name", "id"),
                "verbose_name": "hotel",
                "verbose_name_plural": "hotels",
            },
        ),
        migrations.AlterModelOptions(
            name="hoteliermembership",
            options={
                "ordering": ("hotel_id", "user_id"),
                "verbose_name": "hotelier membership",
                "verbose_name_plural": "hotelier memberships",
            },
        ),
        migrations.AlterModelOptions(
            name="hotelnotification",
            options={
                "ordering": ("-created_at", "-id"),
                "verbose_name": "hotel notification",
                "verbose_name_plural": "hotel notifications",
            },
        ),
        migrations.AlterModelOptions(
            name="nightlyrate",
            options={
                "ordering": ("room_type_id", "night"),
                "verbose_name": "nightly rate",
                "verbose_name_plural": "nightly rates",
            },
        ),
        migrations.AlterModelOptions(
            name="reservation",
            options={
                "ordering": ("-requested_at", "-id"),
                "verbose_name": "reservation",
                "verbose_name_plural": "reservations",
            },
        ),
        migrations.AlterModelOptions(
            name="reservationstatuschange",
            options={
                "ordering": ("reservation_id", "id"),
                "verbose_name": "status change",
                "verbose_name_plural": "status changes",
            },
        ),
        migrations.AlterModelOptions(
            name="roomnight",
            options={
                "ordering": ("room_type_id", "night"),
                "verbose_name": "room night",
                "verbose_name_plural": "room nights",
            },
        ),
        migrations.AlterModelOptions(
            name="roomtype",
            options={
                "ordering": ("hotel_id", "nightly_rate_krw", "id"),
                "verbose_name": "room type",
                "verbose_name_plural": "room types",
            },
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="cancelled_at",
            field=models.DateTimeField(
                help_text="When the cancellation was asked for.", verbose_name="cancelled at"
            ),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="cancelled_by",
            field=models.CharField(
                choices=[("guest", "Guest"), ("hotel", "Hotel"), ("system", "System")],
                max_length=10,
                verbose_name="cancelled by",
            ),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="fee_krw",
            field=models.PositiveIntegerField(verbose_name="fee (KRW)"),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="policy_summary",
            field=models.CharField(max_length=300, verbose_name="cancellation terms applied"),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="recorded at"),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="refund_krw",
            field=models.PositiveIntegerField(verbose_name="refund (KRW)"),
        ),
        migrations.AlterField(
            model_name="cancellation",
            name="reservation",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cancellation",
                to="reservations.reservation",
                verbose_name="reservation",
            ),
        ),
        migrations.AlterField(
            model_name="cancellationpolicy",
            name="fee_percent",
            field=models.PositiveSmallIntegerField(
                help_text="Share of the total kept when cancelling later, before the check-in day.",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="cancellation fee (%)",
            ),
        ),
        migrations.AlterField(
            model_name="cancellationpolicy",
            name="free_until_days_before",
            field=models.PositiveSmallIntegerField(
                help_text="Free cancellation until this many days before check-in (hotel's local date).",
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="free cancellation until (days before check-in)",
            ),
        ),
        migrations.AlterField(
            model_name="cancellationpolicy",
            name="hotel",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cancellation_policies",
                to="reservations.hotel",
                verbose_name="hotel",
            ),
        ),
        migrations.AlterField(
            model_name="cancellationpolicy",
            name="room_type",
            field=models.ForeignKey(
                blank=True,
                help_text="Leave empty for the hotel's policy; set it to override one room type's.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cancellation_policies",
                to="reservations.roomtype",
                verbose_name="room type",
            ),
        ),
        migrations.AlterField(
            model_name="cancellationpolicy",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="hotel",
            name="address",
            field=models.CharField(blank=True, max_length=300, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="hotel",
            name="city",
            field=models.CharField(db_index=True, max_length=100, verbose_name="city"),
        ),
        migrations.AlterField(
            model_name="hotel",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="hotel",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="hotel",
            name="time_zone",
            field=models.CharField(
                default="Asia/Seoul",
                help_text="The hotel's local time zone: stay dates and 'today' are read in it.",
                max_length=64,
                validators=[apps.reservations.models.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.AlterField(
            model_name="hoteliermembership",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="hoteliermembership",
            name="hotel",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="reservations.hotel",
                verbose_name="hotel",
            ),
        ),
        migrations.AlterField(
            model_name="hoteliermembership",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hotelier_memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="body",
            field=models.TextField(verbose_name="body"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="channel",
            field=models.CharField(
                choices=[("kakao", "KakaoTalk"), ("email", "E-mail")],
                max_length=10,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="digest_date",
            field=models.DateField(blank=True, null=True, verbose_name="digest date"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="event_id",
            field=models.UUIDField(blank=True, null=True, verbose_name="event id"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="hotel",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="reservations.hotel",
                verbose_name="hotel",
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="idempotency_key",
            field=models.UUIDField(unique=True, verbose_name="idempotency key"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("new_request", "New reservation request"),
                    ("guest_cancelled", "Cancelled by the guest"),
                    ("daily_digest", "Daily digest of open requests"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="language",
            field=models.CharField(
                choices=[("ko", "한국어"), ("en", "English")], max_length=2, verbose_name="language"
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="provider_message_id",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="provider's message id"
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="recipient_masked",
            field=models.CharField(blank=True, max_length=100, verbose_name="recipient (masked)"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="reservation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reservations.reservation",
                verbose_name="reservation",
            ),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="skip_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason skipped"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
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
            model_name="hotelnotification",
            name="template_code",
            field=models.CharField(blank=True, max_length=100, verbose_name="template code"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="template_parameters",
            field=models.JSONField(blank=True, default=dict, verbose_name="template parameters"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="title",
            field=models.CharField(max_length=200, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="hotelnotification",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="nightlyrate",
            name="night",
            field=models.DateField(verbose_name="night"),
        ),
        migrations.AlterField(
            model_name="nightlyrate",
            name="rate_krw",
            field=models.PositiveIntegerField(verbose_name="rate (KRW)"),
        ),
        migrations.AlterField(
            model_name="nightlyrate",
            name="room_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="nightly_rates",
                to="reservations.roomtype",
                verbose_name="room type",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="check_in",
            field=models.DateField(verbose_name="check-in"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="check_out",
            field=models.DateField(verbose_name="check-out"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="decision_deadline",
            field=models.DateTimeField(
                blank=True,
                help_text="A request still open then is rejected automatically (set when requested).",
                null=True,
                verbose_name="decision deadline",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="guest_id",
            field=models.BigIntegerField(db_index=True, verbose_name="guest id"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="guest_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="guest name"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="guests",
            field=models.PositiveSmallIntegerField(verbose_name="guests"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="hotel",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="reservations.hotel",
                verbose_name="hotel",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="order_id",
            field=models.BigIntegerField(unique=True, verbose_name="order id"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="order_reference",
            field=models.CharField(blank=True, max_length=64, verbose_name="order reference"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="rejection_reason",
            field=models.TextField(blank=True, verbose_name="rejection reason"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="requested_at",
            field=models.DateTimeField(verbose_name="requested at"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="room_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="reservations.roomtype",
                verbose_name="room type",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "requested (confirming reservation)"),
                    ("confirmed", "confirmed"),
                    ("rejected", "rejected"),
                    ("cancelled", "cancelled"),
                ],
                default="requested",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="terms_fee_percent",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Booked terms: the share of the total kept when cancelling later.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="cancellation fee (%)",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="terms_free_until",
            field=models.DateTimeField(
                blank=True,
                help_text="Booked terms: free cancellation until then.",
                null=True,
                verbose_name="free cancellation until",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="terms_no_refund_from",
            field=models.DateTimeField(
                blank=True,
                help_text="Booked terms: no refund from then (empty: refunded in full whatever the date).",
                null=True,
                verbose_name="no refund from",
            ),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="terms_summary",
            field=models.CharField(blank=True, max_length=300, verbose_name="cancellation terms"),
        ),
        migrations.AlterField(
            model_name="reservation",
            name="total_krw",
            field=models.PositiveIntegerField(verbose_name="total (KRW)"),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="actor",
            field=models.CharField(
                choices=[("guest", "Guest"), ("hotel", "Hotel"), ("system", "System")],
                max_length=10,
                verbose_name="changed by",
            ),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="staff user",
            ),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="changed_at",
            field=models.DateTimeField(verbose_name="changed at"),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="from_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("requested", "requested (confirming reservation)"),
                    ("confirmed", "confirmed"),
                    ("rejected", "rejected"),
                    ("cancelled", "cancelled"),
                ],
                max_length=10,
                verbose_name="previous status",
            ),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="note",
            field=models.TextField(blank=True, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="reservation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="status_changes",
                to="reservations.reservation",
                verbose_name="reservation",
            ),
        ),
        migrations.AlterField(
            model_name="reservationstatuschange",
            name="to_status",
            field=models.CharField(
                choices=[
                    ("requested", "requested (confirming reservation)"),
                    ("confirmed", "confirmed"),
                    ("rejected", "rejected"),
                    ("cancelled", "cancelled"),
                ],
                max_length=10,
                verbose_name="new status",
            ),
        ),
        migrations.AlterField(
            model_name="roomnight",
            name="night",
            field=models.DateField(verbose_name="night"),
        ),
        migrations.AlterField(
            model_name="roomnight",
            name="room_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="room_nights",
                to="reservations.roomtype",
                verbose_name="room type",
            ),
        ),
        migrations.AlterField(
            model_name="roomnight",
            name="rooms_held",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="rooms held"),
        ),
        migrations.AlterField(
            model_name="roomnight",
            name="rooms_total",
            field=models.PositiveSmallIntegerField(verbose_name="rooms in total"),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="capacity",
            field=models.PositiveSmallIntegerField(
                help_text="Most guests one room sleeps.", verbose_name="capacity"
            ),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="hotel",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="room_types",
                to="reservations.hotel",
                verbose_name="hotel",
            ),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="nightly_rate_krw",
            field=models.PositiveIntegerField(
                help_text="Price of one night in KRW, unless a nightly rate overrides it.",
                verbose_name="base nightly rate (KRW)",
            ),
        ),
        migrations.AlterField(
            model_name="roomtype",
            name="room_count",
            field=models.PositiveSmallIntegerField(
                help_text="Rooms of this type; new nights of inventory open with this many.",
                verbose_name="rooms",
            ),
        ),
    ]
