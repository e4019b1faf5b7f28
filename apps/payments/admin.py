"""Payments in the admin, read-only: money moves only through the services (refund, void)."""

from django.contrib import admin

from apps.payments.models import Payment, Refund
from hotel.admin_mixins import ReadOnlyAdminMixin, StrictChangeListMixin


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["amount_krw", "refunded_total_krw", "reason", "provider_cancel_id", "created_at"]
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(StrictChangeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "order_id",
        "guest",
        "status",
        "method",
        "amount_krw",
        "refunded_krw",
        "provider",
        "approved_at",
    ]
    list_filter = ["status", "method", "provider"]
    search_fields = ["order_id", "order_reference", "payment_key", "guest__username"]
    list_select_related = ["guest"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    readonly_fields = [f.name for f in Payment._meta.fields]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "payment", "amount_krw", "refunded_total_krw", "reason", "created_at"]
    search_fields = ["payment__order_id", "provider_cancel_id", "idempotency_key"]
    list_select_related = ["payment"]
    readonly_fields = [f.name for f in Refund._meta.fields]
