import factory

from apps.customer.models import GuestProfile
from tests.user_factories import UserFactory


class GuestProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuestProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"손님 {n}")
    phone = factory.Sequence(lambda n: f"010{n:08d}")
    language = "ko"
    kakao_opt_out = False
    email_opt_out = False
