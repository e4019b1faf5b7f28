"""Django admin for hoteliers: each staff user sees and edits only the hotels they belong to.

Superusers see everything. A hotelier's reach is the model permissions Django grants them,
narrowed to their hotels here: querysets, foreign-key choices, list filters and the per-object
change/delete checks all go through ``_hotel_scope``. Inventory counts change only through
the services (so the admin never writes a stale ``rooms_held``).
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.reservations import selectors, services
from apps.reservations.models import Hotel, HotelierMembership, NightlyRate, RoomNight, RoomType


def _hotel_scope(request: HttpRequest) -> QuerySet[Hotel]:
    hotels = Hotel.objects.all()
    if request.user.is_superuser:
        return hotels
    return hotels.filter(pk__in=selectors.hotel_ids_managed_by(user=request.user))


def _in_scope(request: HttpRequest, hotel_id: int | None) -> bool:
    return request.user.is_superuser or _hotel_scope(request).filter(pk=hotel_id).exists()


class HotelScopedAdmin(admin.ModelAdmin):
    """Scopes a model to the hotels of the hotelier; ``hotel_path`` leads from it to Hotel."""

    hotel_path: str = "hotel"

    def _hotel_id(self, obj) -> int | None:
        for step in self.hotel_path.split("__"):
            obj = getattr(obj, step)
        return obj.pk

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.hotel_path}__in": _hotel_scope(request)})

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or _in_scope(request, self._hotel_id(obj)))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or _in_scope(request, self._hotel_id(obj)))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or _in_scope(request, self._hotel_id(obj)))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.related_model is Hotel:
            kwargs["queryset"] = _hotel_scope(request)
        elif db_field.related_model is RoomType:
            kwargs["queryset"] = RoomType.objects.filter(hotel__in=_hotel_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHotelListFilter(admin.SimpleListFilter):
    """Filter by hotel, offering only the hotels the user may see."""

    title = "hotel"
    parameter_name = "hotel"
    hotel_path = "hotel"

    def lookups(self, request, model_admin):
        return [(hotel.pk, str(hotel)) for hotel in _hotel_scope(request)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.hotel_path}__pk": self.value()})
        return queryset


class RoomTypeHotelListFilter(ScopedHotelListFilter):
    hotel_path = "room_type__hotel"


@admin.register(Hotel)
class HotelAdmin(HotelScopedAdmin):
    list_display = ("name", "city", "time_zone")
    search_fields = ("name", "city", "address")

    def _hotel_id(self, obj) -> int | None:
        return obj.pk

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _hotel_scope(request)

    def get_list_filter(self, request: HttpRequest):
        return ("city",) if request.user.is_superuser else ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A hotel joins the platform through an operator, who then adds its hoteliers.
        return request.user.is_superuser


class NightlyRateInline(admin.TabularInline):
    model = NightlyRate
    extra = 1
    ordering = ("night",)
    fields = ("night", "rate_krw")


@admin.register(RoomType)
class RoomTypeAdmin(HotelScopedAdmin):
    list_display = ("name", "hotel", "capacity", "nightly_rate_krw", "room_count")
    list_filter = (ScopedHotelListFilter,)
    list_select_related = ("hotel",)
    search_fields = ("name", "hotel__name")
    inlines = (NightlyRateInline,)
    actions = ("open_inventory",)

    def save_model(self, request, obj: RoomType, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        today = obj.hotel.local_today()
        if not change:
            opened = services.inventory_open(
                room_type_id=obj.pk, first_night=today, nights=services.INVENTORY_HORIZON_NIGHTS
            )
            self.message_user(request, f"Opened {opened} nights of inventory.", messages.INFO)
        elif "room_count" in form.changed_data:
            resized = services.inventory_resize(room_type_id=obj.pk, first_night=today)
            self.message_user(
                request,
                f"{resized} nights from {today} now have {obj.room_count} rooms "
                "(never fewer than the rooms already held).",
                messages.INFO,
            )

    @admin.action(
        description=f"Open inventory for the next {services.INVENTORY_HORIZON_NIGHTS} nights",
        permissions=("change",),
    )
    def open_inventory(self, request: HttpRequest, queryset: QuerySet[RoomType]) -> None:
        opened = sum(
            services.inventory_open(
                room_type_id=room_type.pk,
                first_night=room_type.hotel.local_today(),
                nights=services.INVENTORY_HORIZON_NIGHTS,
            )
            for room_type in queryset.select_related("hotel")
        )
        self.message_user(request, f"Opened {opened} nights of inventory.", messages.SUCCESS)


@admin.register(RoomNight)
class RoomNightAdmin(HotelScopedAdmin):
    hotel_path = "room_type__hotel"
    list_display = ("night", "room_type", "rooms_total", "rooms_held", "rooms_left")
    list_filter = (RoomTypeHotelListFilter,)
    list_select_related = ("room_type__hotel",)
    date_hierarchy = "night"
    ordering = ("night", "room_type_id")
    fields = ("room_type", "night", "rooms_total", "rooms_held")
    readonly_fields = ("room_type", "night", "rooms_held")
    show_full_result_count = False

    @admin.display(description="rooms left")
    def rooms_left(self, obj: RoomNight) -> int:
        return obj.rooms_left

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Nights are opened by the room type's inventory action (services.inventory_open).
        return False

    def save_model(self, request, obj: RoomNight, form, change: bool) -> None:
        applied = services.room_night_rooms_total_set(
            room_night_id=obj.pk, rooms_total=obj.rooms_total
        )
        if applied != obj.rooms_total:
            self.message_user(
                request,
                f"{obj.night}: rooms held meanwhile, the total is {applied}.",
                messages.WARNING,
            )
        obj.rooms_total = applied


@admin.register(HotelierMembership)
class HotelierMembershipAdmin(admin.ModelAdmin):
    """Who manages which hotel: operators (superusers) only."""

    list_display = ("user", "hotel", "created_at")
    list_select_related = ("user", "hotel")
    list_filter = ("hotel",)
    search_fields = ("user__username", "user__email", "hotel__name")
    autocomplete_fields = ("hotel",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser
