from django.contrib import admin

from apps.orders.models import BookingRequest, Order
from hotel.admin_mixins import StrictChangeListMixin


@admin.register(Order)
class OrderAdmin(StrictChangeListMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "guest",
        "hotel_name",
        "room_type_name",
        "check_in",
        "check_out",
        "total_krw",
        "status",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("=reference", "guest__username", "hotel_name")
    readonly_fields = [f.name for f in Order._meta.fields]
    list_select_related = ("guest",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BookingRequest)
class BookingRequestAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "guest", "order", "created_at", "completed_at")
    readonly_fields = [f.name for f in BookingRequest._meta.fields]

    def has_add_permission(self, request):
        return False
