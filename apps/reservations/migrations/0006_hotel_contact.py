# The hotel's contact and message settings, and the log of messages sent to hotels.
import django.db.models.deletion
from django.db import migrations, models

import hotel.phone_numbers


class Migration(migrations.Migration):
    dependencies = [("reservations", "0005_booked_cancellation_terms")]

    operations = [
        migrations.AddField(
            model_name="hotel",
            name="contact_email",
            field=models.EmailField(
                blank=True,
                help_text="E-mail messages go to this address.",
                max_length=254,
                verbose_name="contact e-mail",
            ),
        ),
        migrations.AddField(
            model_name="hotel",
            name="contact_phone",
            field=models.CharField(
                blank=True,
                help_text="KakaoTalk messages go to this Korean mobile number, e.g. 010-1234-5678.",
                max_length=11,
                validators=[hotel.phone_numbers.check_mobile_phone],
                verbose_name="contact mobile phone",
            ),
        ),
        migrations.AddField(
            model_name="hotel",
            name="digest_opt_out",
            field=models.BooleanField(
                default=False,
                help_text="No morning list of the requests still open.",
                verbose_name="no daily digest",
            ),
        ),
        migrations.AddField(
            model_name="hotel",
            name="message_language",
            field=models.CharField(
                choices=[("ko", "한국어"), ("en", "English")],
                default="ko",
                max_length=2,
                verbose_name="language of messages",
            ),
        ),
        migrations.AddField(
            model_name="hotel",
            name="messages_opt_out",
            field=models.BooleanField(
                default=False,
                help_text="No message for each new request or guest cancellation.",
                verbose_name="no message per request",
            ),
        ),
        migrations.CreateModel(
            name="HotelNotification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("new_request", "New reservation request"),
                            ("guest_cancelled", "Cancelled by the guest"),
                            ("daily_digest", "Daily digest of open requests"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("kakao", "KakaoTalk"), ("email", "E-mail")], max_length=10
                    ),
                ),
                (
                    "language",
                    models.CharField(choices=[("ko", "한국어"), ("en", "English")], max_length=2),
                ),
                ("event_id", models.UUIDField(blank=True, null=True)),
                ("digest_date", models.DateField(blank=True, null=True)),
                ("idempotency_key", models.UUIDField(unique=True)),
                ("recipient_masked", models.CharField(blank=True, max_length=100)),
                ("template_code", models.CharField(blank=True, max_length=100)),
                ("template_parameters", models.JSONField(blank=True, default=dict)),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("skipped", "Skipped"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("skip_reason", models.CharField(blank=True, max_length=200)),
                ("provider_message_id", models.CharField(blank=True, max_length=200)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "hotel",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="reservations.hotel",
                    ),
                ),
                (
                    "reservation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reservations.reservation",
                    ),
                ),
            ],
            options={
                "ordering": ("-created_at", "-id"),
                "indexes": [
                    models.Index(
                        fields=["hotel", "-created_at"], name="hotel_notification_by_hotel"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["queued", "sent", "failed", "skipped"])),
                        name="reservations_hotelnotification_status_valid",
                    )
                ],
            },
        ),
    ]
