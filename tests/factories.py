"""factory_boy factories for the kernel's models."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, OrganisationKind, RoleGrant, User
from accounts.roles import Role
from cases.models import Case, Person
from cases.personal_number import luhn_ok, normalise
from cases.words import Activity

PASSWORD = "correct horse battery staple"


def valid_number(n: int) -> str:
    """A distinct, valid personal identity number for every n (born 1950 onwards)."""
    base = f"{50 + n // 3650 % 50:02d}{(n // 300) % 12 + 1:02d}{n % 28 + 1:02d}{(n // 28) % 999 + 1:03d}"
    for digit in "0123456789":
        if luhn_ok(base + digit):
            return normalise(base[:6] + "-" + base[6:] + digit)
    raise AssertionError("unreachable")


def number_born(born, serial: int = 123) -> str:
    """A valid personal identity number (twelve digits) of someone born on ``born``."""
    base = f"{born:%y%m%d}{serial:03d}"
    digit = next(d for d in "0123456789" if luhn_ok(base + d))
    return f"{born:%Y}{base[2:]}{digit}"


@functools.cache
def password_hash() -> str:
    """One argon2 hash for every factory user: hashing is slow on purpose, the suite need not be."""
    return make_password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.DISTRICT_ADMINISTRATION
    district = "Rinkeby-Kista"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or [Role.SOCIAL_WORKER]:
            RoleGrant.objects.create(user=self, role=role)
        self.forget_roles()


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "test"
    confirmed = True


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    organisation = factory.SubFactory(OrganisationFactory)
    given_names = "Anna"
    surname = "Andersson"
    personal_number = factory.Sequence(lambda n: valid_number(n))
    contact = factory.LazyFunction(lambda: {"phone": "070-123 45 67"})
    address = factory.LazyFunction(lambda: {"street": "Gatan 1", "town": "Stockholm"})


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    owner_unit = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..owner_unit"))
    activity = Activity.INTERVENTION_GROUP
