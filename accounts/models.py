"""Organisations, users and their roles.

A user belongs to exactly one organisation and holds one or more roles. The roles decide which
kinds of pages a user reaches; what they may see of a case is then decided by ``lotsa.access``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    DISTRICT_ADMINISTRATION = "district_administration", _("District administration")
    VBE_TEAM = "vbe_team", _("Social services administration: VBE team")
    DEFECTOR_PROGRAMME = "defector_programme", _("Social services administration: defector programme")
    TREATMENT_UNIT = "treatment_unit", _("Social services administration: treatment unit")
    POLICE = "police", _("Police")
    BOPS = "bops", _("Police: personal-security section (BOPS)")
    SECURITY_SERVICE = "security_service", _("Security Service")
    SCHOOL = "school", _("School")
    HEALTHCARE = "healthcare", _("Healthcare")
    PRISON_PROBATION = "prison_probation", _("Prison and probation service")
    EMPLOYMENT_SERVICE = "employment_service", _("Employment service")
    JOBBTORG = "jobbtorg", _("Jobbtorg")
    RELIGIOUS_COMMUNITY = "religious_community", _("Civil society: religious community")
    SPORTS_CLUB = "sports_club", _("Civil society: sports club")
    ASSOCIATION = "association", _("Civil society: association")
    PRIVATE_DEFECTOR_PROGRAMME = "private_defector_programme", _("Private defector programme")
    SYSTEM_MANAGEMENT = "system_management", _("System management (accounts only)")


SOCIAL_SERVICES_KINDS = frozenset(
    {
        OrganisationKind.DISTRICT_ADMINISTRATION,
        OrganisationKind.VBE_TEAM,
        OrganisationKind.DEFECTOR_PROGRAMME,
        OrganisationKind.TREATMENT_UNIT,
    }
)
POLICE_KINDS = frozenset({OrganisationKind.POLICE, OrganisationKind.BOPS, OrganisationKind.SECURITY_SERVICE})
CIVIL_SOCIETY_KINDS = frozenset(
    {
        OrganisationKind.RELIGIOUS_COMMUNITY,
        OrganisationKind.SPORTS_CLUB,
        OrganisationKind.ASSOCIATION,
        OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME,
    }
)
# Organisations that refer people but never log in (the Security Service).
KINDS_WITHOUT_USERS = frozenset({OrganisationKind.SECURITY_SERVICE})


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    district = models.CharField(
        _("district"), max_length=100, blank=True, help_text=_("The district it serves, where it has one.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_users(self) -> bool:
        return self.kind not in KINDS_WITHOUT_USERS

    @property
    def is_social_services(self) -> bool:
        return self.kind in SOCIAL_SERVICES_KINDS

    @property
    def is_civil_society(self) -> bool:
        return self.kind in CIVIL_SOCIETY_KINDS


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Social worker")
    VBE_TEAM = "vbe_team", _("VBE team")
    DEFECTOR_PROGRAMME = "defector_programme", _("Defector programme")
    TREATMENT_UNIT = "treatment_unit", _("Treatment unit")
    EXTERNAL_MEMBER = "external_member", _("External group member")
    SUPERVISOR = "supervisor", _("Supervisor")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that work with cases and their content.
CASE_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.VBE_TEAM, Role.DEFECTOR_PROGRAMME, Role.TREATMENT_UNIT, Role.EXTERNAL_MEMBER}
)
# Roles that only social-services organisations can hold.
SOCIAL_SERVICES_ROLES = frozenset(
    {Role.SOCIAL_WORKER, Role.VBE_TEAM, Role.DEFECTOR_PROGRAMME, Role.TREATMENT_UNIT, Role.SUPERVISOR}
)


def role_conflicts(roles: set[str]) -> list[str]:
    """Separation of duties (invariant 5): the reasons a set of roles may not be held together."""
    problems = []
    if Role.ADMINISTRATOR in roles and roles - {Role.ADMINISTRATOR}:
        problems.append(_("An administrator manages accounts only and can hold no other role."))
    if Role.COORDINATOR in roles and roles & CASE_ROLES:
        problems.append(_("A coordinator sees aggregates only and cannot also work with cases."))
    if Role.EXTERNAL_MEMBER in roles and roles & SOCIAL_SERVICES_ROLES:
        problems.append(_("An external group member cannot also hold a social-services role."))
    return problems


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    # Kept short and free of personal data beyond what an account needs: name and work e-mail.

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_username()

    @cached_property
    def _role_set(self) -> frozenset[str]:
        if self.pk is None:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def role_codes(self) -> frozenset[str]:
        return self._role_set

    def has_role(self, *roles: str) -> bool:
        return bool(self._role_set & set(roles))

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_set", None)

    @property
    def is_administrator(self) -> bool:
        return self.has_role(Role.ADMINISTRATOR)

    def clean(self):
        super().clean()
        if self.organisation_id and not self.organisation.accepts_users:
            raise ValidationError({"organisation": _("This organisation refers people but has no users.")})


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class UserSession(models.Model):
    """The sessions a user has open, so that disabling an account can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"session of {self.user_id}"
