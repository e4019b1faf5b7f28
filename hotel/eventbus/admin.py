from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotel.admin_mixins import StrictChangeListMixin
from hotel.eventbus import maintenance
from hotel.eventbus.models import Delivery, StoredEvent


@admin.register(StoredEvent)
class StoredEventAdmin(StrictChangeListMixin, admin.ModelAdmin):
    list_display = ("id", "event_type", "aggregate_type", "aggregate_id", "occurred_at")
    list_filter = ("event_type", "aggregate_type")
    search_fields = ("=aggregate_id", "=correlation_id", "=event_id")
    readonly_fields = [f.name for f in StoredEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(StrictChangeListMixin, admin.ModelAdmin):
    list_display = ("id", "handler", "event", "state", "attempts", "available_at", "completed_at")
    list_filter = ("state", "handler")
    search_fields = ("=aggregate_key", "=event__event_type")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ("event",)
    actions = ["replay"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay selected dead deliveries"))
    def replay(self, request, queryset):
        count = maintenance.replay_dead(delivery_ids=list(queryset.values_list("id", flat=True)))
        message = ngettext(
            "%(count)d dead delivery will be retried.",
            "%(count)d dead deliveries will be retried.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
