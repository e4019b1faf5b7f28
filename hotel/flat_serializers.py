"""``FlatSerializer``: a DRF ``Serializer`` of plain fields that is cheaper to instantiate.

For every serializer instance DRF deep-copies each declared field, and a field's deep copy
re-runs its ``__init__`` from the saved arguments. On the booking request (one input and one
output serializer) that was 11 % of the web process's CPU under load (py-spy, GIL samples).

A plain field (an integer, a string, a date, a choice, a method field) keeps no state of its
own until it is bound to its serializer instance, and binding only sets attributes on the
field. So a shallow copy of the declared field is an independent field for that instance:
binding it never touches the declared one, which stays as the class built it. Fields that hold
other fields (nested serializers, ``ListField``, ``DictField``, related-field lists) would share
those children between instances, so declaring one on a ``FlatSerializer`` is refused when the
class is created.

Rendering skips the binding altogether where it can. DRF binds a copy of every field to each
serializer instance before rendering, although a plain field renders a value without knowing
its serializer: ``to_representation`` reads each attribute and renders it through the declared
field itself (a method field calls its method on the instance). That took the booking
response's rendering from ~8 % of the request's CPU under load to ~1 % (py-spy). A serializer
with a field outside that plain set, or a dotted ``source``, a mapping or an object missing an
attribute (where DRF falls back to defaults), is rendered by DRF's own code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


def _holds_other_fields(field: serializers.Field) -> bool:
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


class FlatSerializer(serializers.Serializer):
    """A ``Serializer`` whose fields are all plain (see the module docstring)."""

    _rendering: _RenderingPlan | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls._declared_fields
        nested = [name for name, field in declared.items() if _holds_other_fields(field)]
        if nested:
            raise TypeError(
                f"{cls.__name__}: a FlatSerializer takes plain fields only, not {nested}; "
                "use serializers.Serializer"
            )
        cls._rendering = _rendering_plan(declared)

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self._rendering
        if plan is None or isinstance(instance, Mapping):
            return super().to_representation(instance)
        rendered: dict[str, Any] = {}
        try:
            for name, source, field in plan:
                if field is None:  # a method field: ``source`` is the method's name
                    rendered[name] = getattr(self, source)(instance)
                    continue
                value = getattr(instance, source)
                if callable(value):  # DRF would call it (a method as source): let DRF do it
                    return super().to_representation(instance)
                rendered[name] = None if value is None else field.to_representation(value)
        except AttributeError:
            return super().to_representation(instance)
        return rendered


# Field classes whose ``to_representation`` reads nothing from the serializer they are bound
# to (subclasses too, as long as they keep one of DRF's own ``to_representation``).
_RENDER_UNBOUND = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.UUIDField,
)

_RenderingPlan = tuple[tuple[str, str, serializers.Field | None], ...]


def _rendering_plan(declared: dict[str, serializers.Field]) -> _RenderingPlan | None:
    """(name, attribute or method name, field) per readable field; None: render as DRF does."""
    plan = []
    for name, field in declared.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, field.method_name or f"get_{name}", None))
            continue
        source = field.source or name
        renders_unbound = (
            isinstance(field, _RENDER_UNBOUND)
            and type(field).to_representation.__module__ == serializers.Field.__module__
        )
        if not renders_unbound or "." in source or source == "*":
            return None
        plan.append((name, source, field))
    return tuple(plan)
