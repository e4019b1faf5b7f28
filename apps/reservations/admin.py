"""Django admin for hoteliers: each staff user sees and edits only the hotels they belong to.

Superusers see everything. A hotelier's reach is the model permissions Django grants them,
narrowed to their hotels here: querysets, foreign-key choices, list filters and the per-object
change/delete checks all go through ``_hotel_scope``. Inventory counts change only through
the services (so the admin never writes a stale ``rooms_held``), and so do reservations:
confirm and reject are actions calling the same services as the API, never form edits.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.reservations import selectors, services
from apps.reservations.errors import ReservationsError
from apps.reservations.models import (
    Cancellation,
    CancellationPolicy,
    Hotel,
    HotelierMembership,
    HotelNotification,
    NightlyRate,
    Reservation,
    ReservationStatusChange,
    RoomNight,
    RoomType,
)
from hotel.admin_mixins import ReadOnlyAdminMixin, StrictChangeListMixin
from hotel.phone_numbers import phone_normalize


def _hotel_scope(request: HttpRequest) -> QuerySet[Hotel]:
    hotels = Hotel.objects.all()
    if request.user.is_superuser:
        return hotels
    return hotels.filter(pk__in=selectors.hotel_ids_managed_by(user=request.user))


def _in_scope(request: HttpRequest, hotel_id: int | None) -> bool:
    return request.user.is_superuser or _hotel_scope(request).filter(pk=hotel_id).exists()


def _order_id_term(search_term: str) -> int | None:
    """The order id a search term is, if it is one: decimal digits (of any script, which
    ``int`` reads) and no more than a bigint has; a longer run is no order id (and ``int``
    refuses one of over 4,300 digits)."""
    term = search_term.strip()
    return int(term) if term.isdecimal() and len(term) <= 19 else None


def _confirmed_message(count: int) -> str:
    return ngettext(
        "%(count)d reservation confirmed.", "%(count)d reservations confirmed.", count
    ) % {"count": count}


def _rejected_message(count: int) -> str:
    return ngettext(
        "%(count)d reservation rejected.", "%(count)d reservations rejected.", count
    ) % {"count": count}


class HotelScopedAdmin(StrictChangeListMixin, admin.ModelAdmin):
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

    title = _("hotel")
    parameter_name = "hotel"
    hotel_path = "hotel"

    def lookups(self, request, model_admin):
        return [(hotel.pk, str(hotel)) for hotel in _hotel_scope(request)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(**{f"{self.hotel_path}__pk": self.value()})
        except (ValueError, ValidationError) as exc:
            # Not a hotel id: refused as Django's own filters refuse a value (a redirect).
            raise IncorrectLookupParameters(exc) from exc


class RoomTypeHotelListFilter(ScopedHotelListFilter):
    hotel_path = "room_type__hotel"


class HotelForm(forms.ModelForm):
    # Wider than the stored 11 digits so "010-1234-5678" can be typed; cleaned to digits.
    contact_phone = forms.CharField(
        label=_("contact mobile phone"),
        max_length=20,
        required=False,
        help_text=_("KakaoTalk messages go to this Korean mobile number, e.g. 010-1234-5678."),
    )

    def clean_contact_phone(self) -> str:
        try:
            return phone_normalize(raw=self.cleaned_data.get("contact_phone") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages, code="invalid_phone") from exc


@admin.register(Hotel)
class HotelAdmin(HotelScopedAdmin):
    form = HotelForm
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


def _opened_message(count: int) -> str:
    return ngettext(
        "Opened %(count)d night of inventory.", "Opened %(count)d nights of inventory.", count
    ) % {"count": count}


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
            self.message_user(request, _opened_message(opened), messages.INFO)
        elif "room_count" in form.changed_data:
            resized = services.inventory_resize(room_type_id=obj.pk, first_night=today)
            message = ngettext(
                "%(count)d night from %(first_night)s now has %(rooms)d rooms "
                "(never fewer than the rooms already held).",
                "%(count)d nights from %(first_night)s now have %(rooms)d rooms "
                "(never fewer than the rooms already held).",
                resized,
            ) % {"count": resized, "first_night": today, "rooms": obj.room_count}
            self.message_user(request, message, messages.INFO)

    @admin.action(
        description=format_lazy(
            _("Open inventory for the next {nights} nights"),
            nights=services.INVENTORY_HORIZON_NIGHTS,
        ),
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
        self.message_user(request, _opened_message(opened), messages.SUCCESS)


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

    @admin.display(description=_("rooms left"))
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
                _("%(night)s: rooms were held meanwhile; the total is %(total)d.")
                % {"night": obj.night, "total": applied},
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


# --- Reservations, cancellations and the cancellation policy ----------------------------------


class ReservationHotelListFilter(ScopedHotelListFilter):
    hotel_path = "reservation__hotel"


class ReservationStatusChangeInline(admin.TabularInline):
    """The reservation's history, read-only."""

    model = ReservationStatusChange
    extra = 0
    can_delete = False
    ordering = ("id",)
    fields = ("changed_at", "from_status", "to_status", "actor", "by", "note")
    readonly_fields = fields
    verbose_name = _("status change")
    verbose_name_plural = _("history")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RejectReservationsForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        label=_("reason"),
        help_text=_("Sent to the guest with the full refund."),
    )


@admin.register(Reservation)
class ReservationAdmin(HotelScopedAdmin):
    """Reservation requests of the hotelier's hotels: confirm or reject them (one or many).

    Nothing is edited through the form: the change page is read-only (view permission), and the
    status changes only through the actions, which call the services (404 and 409 rules
    included) and report refusals as messages.
    """

    # Eight narrow columns: with the filters beside them the list fits a 1280-pixel screen
    # (the newest requests come first; when each was made is on its page).
    list_display = (
        "id",
        "status",
        "guest_name",
        "stay",
        "room",
        "guests",
        "total",
        "decide_by",
    )
    list_display_links = ("id",)
    list_filter = (
        ScopedHotelListFilter,
        "status",
        ("check_in", admin.DateFieldListFilter),
        ("check_out", admin.DateFieldListFilter),
    )
    list_select_related = ("hotel", "room_type")
    search_fields = ("guest_name", "order_reference")
    search_help_text = _("Guest name, order reference or order id.")
    date_hierarchy = "check_in"
    fields = (
        "status",
        "order_id",
        "order_reference",
        "guest_id",
        "guest_name",
        "hotel",
        "room_type",
        "check_in",
        "check_out",
        "guests",
        "total_krw",
        "requested_at",
        "decision_deadline",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "cancellation_summary",
    )
    readonly_fields = fields
    inlines = (ReservationStatusChangeInline,)
    actions = ("confirm_reservations", "reject_reservations")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reservations come from paid orders only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # kept for good, whatever happens to them

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # "change" lets a hotelier run the actions; no reservation is edited through its form.
        return obj is None and super().has_change_permission(request)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # An order id is matched exactly; order references are random, so digits match only ids.
        order_id = _order_id_term(search_term)
        if order_id is not None:
            term = search_term.strip()
            return queryset.filter(Q(guest_name__icontains=term) | Q(order_id=order_id)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("stay"), ordering="check_in")
    def stay(self, obj: Reservation) -> str:
        nights = (obj.check_out - obj.check_in).days
        return format_html(
            '<span class="nowrap">{} → {}</span> ({})',
            date_format(obj.check_in, "SHORT_DATE_FORMAT"),
            date_format(obj.check_out, "SHORT_DATE_FORMAT"),
            ngettext("%(nights)d night", "%(nights)d nights", nights) % {"nights": nights},
        )

    @admin.display(description=_("room"), ordering="room_type__name")
    def room(self, obj: Reservation) -> str:
        return format_html("{}<br><small>{}</small>", obj.room_type.name, obj.hotel.name)

    @admin.display(description=_("decide by"), ordering="decision_deadline")
    def decide_by(self, obj: Reservation) -> str:
        if obj.decision_deadline is None:
            return "-"
        return date_format(localtime(obj.decision_deadline), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("total (KRW)"), ordering="total_krw")
    def total(self, obj: Reservation) -> str:
        return f"{obj.total_krw:,}"

    @admin.display(description=_("cancellation"))
    def cancellation_summary(self, obj: Reservation) -> str:
        cancellation = getattr(obj, "cancellation", None)
        if cancellation is None:
            return "-"
        summary = _(
            "%(cancelled_at)s by %(party)s: fee %(fee)s KRW, refund %(refund)s KRW (%(terms)s)"
        ) % {
            "cancelled_at": f"{cancellation.cancelled_at:%Y-%m-%d %H:%M}",
            "party": cancellation.get_cancelled_by_display(),
            "fee": f"{cancellation.fee_krw:,}",
            "refund": f"{cancellation.refund_krw:,}",
            "terms": cancellation.policy_summary,
        }
        return f"{summary} {cancellation.reason}".strip()

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Reservation],
        change: Callable[[Reservation], object],
        done: Callable[[int], str],
    ) -> None:
        """Run ``change`` on each reservation; report successes once and each refusal."""
        changed = 0
        for reservation in queryset.order_by("pk"):
            try:
                change(reservation)
            except ReservationsError as exc:
                self.message_user(
                    request,
                    _("Reservation %(id)s (order %(order_id)s): %(message)s")
                    % {
                        "id": reservation.pk,
                        "order_id": reservation.order_id,
                        "message": exc.message,
                    },
                    messages.ERROR,
                )
            else:
                changed += 1
        if changed:
            self.message_user(request, done(changed), messages.SUCCESS)

    @admin.action(description=_("Confirm selected reservation requests"), permissions=("change",))
    def confirm_reservations(self, request: HttpRequest, queryset: QuerySet[Reservation]) -> None:
        self._apply(
            request,
            queryset,
            lambda reservation: services.reservation_confirm(
                reservation_id=reservation.pk, by=request.user
            ),
            _confirmed_message,
        )

    @admin.action(
        description=_("Reject selected reservation requests (asks for a reason)"),
        permissions=("change",),
    )
    def reject_reservations(self, request: HttpRequest, queryset: QuerySet[Reservation]):
        """First shows a page asking for the reason; its form posts back here with "apply"."""
        form = RejectReservationsForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda reservation: services.reservation_reject(
                    reservation_id=reservation.pk, by=request.user, reason=reason
                ),
                _rejected_message,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject reservation requests"),
            "opts": self.model._meta,
            "reservations": queryset.order_by("pk"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "reject_reservations",
        }
        return TemplateResponse(
            request, "admin/reservations/reservation/reject_reservations.html", context
        )


@admin.register(Cancellation)
class CancellationAdmin(HotelScopedAdmin):
    """The hotelier's cancellations, read-only: they are history."""

    hotel_path = "reservation__hotel"
    list_display = (
        "id",
        "reservation",
        "order_id",
        "guest_name",
        "cancelled_by",
        "fee_krw",
        "refund_krw",
        "cancelled_at",
    )
    list_filter = (
        ReservationHotelListFilter,
        "cancelled_by",
        ("cancelled_at", admin.DateFieldListFilter),
    )
    list_select_related = ("reservation__hotel",)
    search_fields = ("reservation__guest_name", "reservation__order_reference")
    search_help_text = _("Guest name, order reference or order id.")
    fields = (
        "reservation",
        "cancelled_by",
        "reason",
        "fee_krw",
        "refund_krw",
        "policy_summary",
        "cancelled_at",
        "recorded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("order id"), ordering="reservation__order_id")
    def order_id(self, obj: Cancellation) -> int:
        return obj.reservation.order_id

    @admin.display(description=_("guest"), ordering="reservation__guest_name")
    def guest_name(self, obj: Cancellation) -> str:
        return obj.reservation.guest_name

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        order_id = _order_id_term(search_term)
        if order_id is not None:
            matches = Q(reservation__guest_name__icontains=search_term.strip()) | Q(
                reservation__order_id=order_id
            )
            return queryset.filter(matches), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(CancellationPolicy)
class CancellationPolicyAdmin(HotelScopedAdmin):
    """Each hotel's cancellation policy, and room types' overrides, edited by its hoteliers."""

    list_display = ("hotel", "scope", "free_until_days_before", "fee_percent", "updated_at")
    list_filter = (ScopedHotelListFilter,)
    list_select_related = ("hotel", "room_type")
    fields = ("hotel", "room_type", "free_until_days_before", "fee_percent")

    @admin.display(description=_("applies to"), ordering="room_type__name")
    def scope(self, obj: CancellationPolicy) -> str:
        return obj.room_type.name if obj.room_type_id else _("all room types")


# --- Messages to the hotels ---------------------------------------------------------------------


@admin.register(HotelNotification)
class HotelNotificationAdmin(ReadOnlyAdminMixin, HotelScopedAdmin):
    """The messages sent to the hotel (or skipped, with the reason), read-only: the recipient
    is stored masked only; bodies are what the hotel read."""

    list_display = (
        "created_at",
        "hotel",
        "kind",
        "channel",
        "recipient_masked",
        "status",
        "attempts",
        "reservation_order",
        "digest_date",
        "sent_at",
    )
    list_filter = (ScopedHotelListFilter, "status", "kind", "channel")
    list_select_related = ("hotel", "reservation")
    search_fields = (
        "=reservation__order_id",
        "reservation__order_reference",
        "provider_message_id",
    )
    search_help_text = _("Order id, order reference or the provider's message id.")
    date_hierarchy = "created_at"
    fields = (
        "hotel",
        "kind",
        "channel",
        "language",
        "status",
        "skip_reason",
        "recipient_masked",
        "reservation",
        "digest_date",
        "event_id",
        "template_code",
        "template_parameters",
        "title",
        "body",
        "attempts",
        "last_error",
        "provider_message_id",
        "idempotency_key",
        "created_at",
        "updated_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="reservation__order_id")
    def reservation_order(self, obj: HotelNotification) -> str:
        if obj.reservation is None:
            return "-"
        return obj.reservation.order_reference or str(obj.reservation.order_id)
