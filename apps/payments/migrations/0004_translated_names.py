# Verbose names, help texts and choice labels in English, translated at runtime (no schema change).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_sandbox_ledger_unlogged"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payment",
            options={"verbose_name": "payment", "verbose_name_plural": "payments"},
        ),
        migrations.AlterModelOptions(
            name="refund",
            options={"verbose_name": "refund", "verbose_name_plural": "refunds"},
        ),
        migrations.AlterField(
            model_name="payment",
            name="amount_krw",
            field=models.PositiveBigIntegerField(verbose_name="amount (KRW)"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="approved at"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="decline_reason",
            field=models.CharField(blank=True, max_length=100, verbose_name="decline reason"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="guest",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to=settings.AUTH_USER_MODEL,
                verbose_name="guest",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="masked_card_number",
            field=models.CharField(blank=True, max_length=32, verbose_name="card number (masked)"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="method",
            field=models.CharField(
                choices=[
                    ("card", "Card"),
                    ("easy_pay", "Easy pay"),
                    ("transfer", "Bank transfer"),
                    ("mobile_phone", "Mobile phone"),
                ],
                max_length=20,
                verbose_name="payment method",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="order_id",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="order id"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="order_reference",
            field=models.CharField(max_length=64, verbose_name="order reference"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="payment_key",
            field=models.CharField(max_length=200, verbose_name="payment key"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="provider",
            field=models.CharField(max_length=20, verbose_name="payment provider"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="refunded_krw",
            field=models.PositiveBigIntegerField(default=0, verbose_name="refunded (KRW)"),
        ),
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(
                choices=[
                    ("approved", "Approved"),
                    ("refunded", "Refunded"),
                    ("declined", "Declined"),
                ],
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="amount_krw",
            field=models.PositiveBigIntegerField(verbose_name="amount (KRW)"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="idempotency_key",
            field=models.CharField(max_length=200, unique=True, verbose_name="idempotency key"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="payment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="payments.payment",
                verbose_name="payment",
            ),
        ),
        migrations.AlterField(
            model_name="refund",
            name="provider_cancel_id",
            field=models.CharField(max_length=200, verbose_name="provider's cancel id"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="reason",
            field=models.CharField(max_length=200, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="refunded_total_krw",
            field=models.PositiveBigIntegerField(verbose_name="refunded in total (KRW)"),
        ),
    ]
