"""Input and output shapes of the account API. No rules here: those live in services."""

from rest_framework import serializers

from apps.customer.models import Language


class SignUpInputSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Use letters, digits and @/./+/-/_ only."},
    )
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, help_text="Korean mobile, e.g. 010-1234-5678")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.KOREAN)


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class ProfileUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text='Korean mobile, e.g. 010-1234-5678; "" removes the number.',
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    kakao_opt_out = serializers.BooleanField(required=False)
    email_opt_out = serializers.BooleanField(required=False)


class ProfileOutputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField()
    phone = serializers.CharField(help_text="Digits only, e.g. 01012345678; empty: none.")
    language = serializers.ChoiceField(choices=Language.choices)
    kakao_opt_out = serializers.BooleanField()
    email_opt_out = serializers.BooleanField()


class SignUpOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    profile = ProfileOutputSerializer()
