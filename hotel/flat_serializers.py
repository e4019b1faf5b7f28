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
"""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers


def _holds_other_fields(field: serializers.Field) -> bool:
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


class FlatSerializer(serializers.Serializer):
    """A ``Serializer`` whose fields are all plain (see the module docstring)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls._declared_fields
        nested = [name for name, field in declared.items() if _holds_other_fields(field)]
        if nested:
            raise TypeError(
                f"{cls.__name__}: a FlatSerializer takes plain fields only, not {nested}; "
                "use serializers.Serializer"
            )

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}
