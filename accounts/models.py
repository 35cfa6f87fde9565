"""Organisations, users and their roles.

A user belongs to exactly one organisation and holds one or more roles. The roles decide which
kinds of pages a user reaches; what they may see of a case is then decided by ``lotsa.access``.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager

# The roles and the role sets live in accounts/roles.py, below every app: import them from there.
from accounts.roles import CASE_ROLES, GUARDED_ROLES, SOCIAL_SERVICES_ROLES, Role
from lotsa.crypto import BlindIndexField, EncryptedTextField
from lotsa.querysets import GuardedQuerySet


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
# The social-services administration's own units (as against the districts, each a board of its own):
# where its access approvers work.
ADMINISTRATION_UNIT_KINDS = frozenset(
    {OrganisationKind.VBE_TEAM, OrganisationKind.DEFECTOR_PROGRAMME, OrganisationKind.TREATMENT_UNIT}
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


# Casework roles, each only in the social-services organisation of its own kind.
CASEWORK_ROLE_KINDS = {
    Role.SOCIAL_WORKER: OrganisationKind.DISTRICT_ADMINISTRATION,
    Role.VBE_TEAM: OrganisationKind.VBE_TEAM,
    Role.DEFECTOR_PROGRAMME: OrganisationKind.DEFECTOR_PROGRAMME,
    Role.TREATMENT_UNIT: OrganisationKind.TREATMENT_UNIT,
}


def role_fits(role: str, kind: str) -> bool:
    """Whether an organisation of ``kind`` may hold ``role``."""
    if role in CASEWORK_ROLE_KINDS:
        return kind == CASEWORK_ROLE_KINDS[role]
    if role in (Role.SUPERVISOR, Role.COORDINATOR):
        return kind in SOCIAL_SERVICES_KINDS
    if role == Role.EXTERNAL_MEMBER:
        return (
            kind not in SOCIAL_SERVICES_KINDS
            and kind not in KINDS_WITHOUT_USERS
            and kind != (OrganisationKind.SYSTEM_MANAGEMENT)
        )
    if role == Role.ADMINISTRATOR:
        return kind == OrganisationKind.SYSTEM_MANAGEMENT
    if role == Role.ACCESS_APPROVER:
        return kind in ADMINISTRATION_UNIT_KINDS
    return False


def roles_not_fitting(roles, kind: str) -> list[str]:
    """A message for each role an organisation of ``kind`` may not hold."""
    return [
        _("An organisation of the kind %(kind)s cannot hold the role %(role)s.")
        % {"kind": OrganisationKind(kind).label, "role": Role(role).label}
        for role in sorted(roles)
        if not role_fits(role, kind)
    ]


def role_conflicts(roles: set[str]) -> list[str]:
    """Separation of duties (invariant 5): the reasons a set of roles may not be held together."""
    problems = []
    if Role.ADMINISTRATOR in roles and roles - {Role.ADMINISTRATOR}:
        problems.append(_("An administrator manages accounts only and can hold no other role."))
    if Role.COORDINATOR in roles and roles & CASE_ROLES:
        problems.append(_("A coordinator sees aggregates only and cannot also work with cases."))
    if Role.EXTERNAL_MEMBER in roles and roles & SOCIAL_SERVICES_ROLES:
        problems.append(_("An external group member cannot also hold a social-services role."))
    if Role.ACCESS_APPROVER in roles and roles & (CASE_ROLES | {Role.COORDINATOR}):
        problems.append(
            _(
                "An access approver decides who else reaches cases and cannot also work with cases "
                "or aggregates."
            )
        )
    if Role.SUPERVISOR in roles and roles & set(CASEWORK_ROLE_KINDS):
        problems.append(
            _("A supervisor reviews the unit's work and cannot also work with its cases as a social worker.")
        )
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
    credentials_issued_at = models.DateTimeField(
        _("login issued"),
        null=True,
        blank=True,
        help_text=_("When the account was created or its login last reset."),
    )
    # Where the login in use came from: the enrolment code it was set with (who was given its parts)
    # and when. None with a usable password: set before Lotsa recorded it (the demo, older accounts).
    login_code = models.ForeignKey(
        "accounts.EnrolmentCode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    login_set_at = models.DateTimeField(_("login set"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_username()

    @cached_property
    def _role_set(self) -> frozenset[str]:
        if self.pk is None:
            return frozenset()
        if "role_grants" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(grant.role for grant in self.role_grants.all())  # lists prefetch them
        return frozenset(self.role_grants.values_list("role", flat=True))

    def role_codes(self) -> frozenset[str]:
        return self._role_set

    def has_role(self, *roles: str) -> bool:
        return bool(self._role_set & set(roles))

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in sorted(self._role_set)]

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_set", None)

    @property
    def is_administrator(self) -> bool:
        return self.has_role(Role.ADMINISTRATOR)

    @property
    def login_kind(self) -> str:
        """How the login in use was set: ``none`` (no usable password), ``whole`` (with a code one person
        was given whole), ``installation`` (with a code the installation printed to its one installer, or
        one whose second part such a login completed), ``split`` (with a code whose parts two people were
        given), ``unrecorded``."""
        if not self.has_usable_password():
            return LoginKind.NONE
        if self.login_code_id is None:
            return LoginKind.UNRECORDED
        if self.login_code.by_installation:
            return LoginKind.INSTALLATION
        return LoginKind.SPLIT if self.login_code.needs_second_part else LoginKind.WHOLE

    @property
    def login_kind_label(self) -> str:
        return str(LoginKind(self.login_kind).label)

    @property
    def login_held_alone(self) -> bool:
        """The login in use was set with a code one person held whole: it never reaches personal data."""
        return self.login_kind in (LoginKind.WHOLE, LoginKind.INSTALLATION)

    @property
    def login_by_installation(self) -> bool:
        """The login in use is the installation's (``lotsa_first_accounts``, or a code whose second part such
        a login completed): its installer may have held it alone. It logs in to approve account requests
        only (accounts.installation.confined); a login through the identity provider reaches more."""
        return self.login_kind == LoginKind.INSTALLATION

    def clean(self):
        super().clean()
        if self.organisation_id and not self.organisation.accepts_users:
            raise ValidationError({"organisation": _("This organisation refers people but has no users.")})


class LoginKind(models.TextChoices):
    NONE = "none", _("no login set")
    WHOLE = "whole", _("set with a whole code, held by one person alone")
    INSTALLATION = (
        "installation",
        _("set with the installation's code, held by the installer alone: approves the first accounts only"),
    )
    SPLIT = "split", _("set with a two-part code, its parts given to two people")
    UNRECORDED = "unrecorded", _("set before Lotsa recorded how")


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
    """The sessions a user has open, so that disabling an account can end them all at once.

    A session made through SAML also keeps keyed hashes (lotsa.crypto.blind_index) of the provider's
    NameID and of its SessionIndex, so that the provider's LogoutRequest ends every session made from
    that login (accounts.saml); the NameID itself is kept only in the session's own data."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sso_subject = models.CharField(max_length=64, blank=True, default="", db_index=True)
    sso_session = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"session of {self.user_id}"


def widens(*, current: set[str], roles: set[str], moving: bool) -> bool:
    """Whether going from ``current`` to ``roles`` (and to another organisation, when ``moving``) grants
    a guarded role: then it waits for approval, and its approval re-issues the account's login."""
    return bool((roles - current) & GUARDED_ROLES) or (moving and bool(roles & GUARDED_ROLES))


class RequestKind(models.TextChoices):
    ROLES = "roles", _("Roles or organisation of an account")
    CREDENTIAL_RESET = "credential_reset", _("Reset of a login")
    ORGANISATION_KIND = "organisation_kind", _("Kind of an organisation")
    ORGANISATION_ACTIVATE = "organisation_activate", _("A new or reactivated organisation")
    ACCOUNT_DISABLE = "account_disable", _("Disabling an account that approves access")
    ORGANISATION_DEACTIVATE = (
        "organisation_deactivate",
        _("Deactivating an organisation whose staff approve access"),
    )
    IDENTITY_LINK = "identity_link", _("Linking an account to an identity at a login provider")


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AccountRequest(models.Model):
    """A change an administrator asked for that reaches case data: it takes effect only when a second
    person approves it (invariant 5). Holds no personal data of any client."""

    encryption_subject_field = "identity_key"
    encryption_row_field = "identity_key"

    kind = models.CharField(_("what"), max_length=32, choices=RequestKind.choices)
    subject_user = models.ForeignKey(
        User,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    roles = models.JSONField(_("roles"), default=list, blank=True)
    new_kind = models.CharField(_("new kind"), max_length=40, choices=OrganisationKind.choices, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AccountRequestStatus.choices, default=AccountRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    # An identity link (accounts.identities): the provider (issuer or entity id), the claim and its value.
    # The value may be the member of staff's personal identity number (the SAML default): it is kept
    # encrypted under a data key of the request's own (``identity_key``, also the row its ciphertext
    # is bound to), beside a keyed blind index for the "already waiting" lookup (invariant 4).
    identity_provider = models.CharField(_("login provider"), max_length=300, blank=True)
    identity_claim = models.CharField(_("claim"), max_length=64, blank=True)
    identity_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    identity_value = EncryptedTextField(_("value"))
    identity_value_index = BlindIndexField(source="identity_value")
    # Who may approve, fixed when the request is made (accounts.access.approvers_for), each with the
    # role that made them one: disabling a supervisor or creating a unit afterwards never changes who
    # decides it, and an approver decides only while they still hold that role.
    approvers = models.ManyToManyField(
        User, through="RequestApprover", related_name="approvable_requests", blank=True
    )

    # The identity value is encrypted: bulk writes, which would bypass its encryption, are refused.
    objects = GuardedQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")

    def __str__(self) -> str:
        return f"AccountRequest {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == AccountRequestStatus.PENDING

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in sorted(self.roles)]

    @property
    def reissues_login(self) -> bool:
        """Approving grants a guarded role: the account's login in use stops working, and a new one is
        set only with a two-part code (the administrator's part and the approver's)."""
        subject = self.subject_user
        if self.kind != RequestKind.ROLES or subject is None:
            return False
        return widens(
            current=set(subject.role_codes()),
            roles=set(self.roles),
            moving=self.organisation_id != subject.organisation_id,
        )


class ApproverBasis(models.TextChoices):
    UNIT_SUPERVISOR = "unit_supervisor", _("supervisor of the unit")
    ACCESS_APPROVER = "access_approver", _("access approver")
    ADMINISTRATION_SUPERVISOR = (
        "administration_supervisor",
        _("supervisor of the social-services administration"),
    )


class RequestApprover(models.Model):
    """One approver of a request, fixed when it was made, and the role that made them one (for a
    unit's supervisor, the unit)."""

    request = models.ForeignKey(AccountRequest, on_delete=models.CASCADE, related_name="approver_rows")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=32, choices=ApproverBasis.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="one_row_per_approver")]

    def __str__(self) -> str:
        return f"RequestApprover {self.request_id}:{self.user_id}"


class EnrolmentCode(models.Model):
    """A one-time code with which the account's owner sets their own password and enrols an
    authenticator. Only hashes are kept. For an account that reads personal data it has two parts: the
    administrator is shown one, the approver the other, so that neither alone holds a working
    credential. It is usable for 24 hours from the moment it is complete."""

    MAX_FAILURES = 5

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    request = models.ForeignKey(
        AccountRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_part_hash = models.CharField(max_length=64)
    second_part_hash = models.CharField(max_length=64, blank=True)
    needs_second_part = models.BooleanField(default=False)
    # Held by the one person who ran the installation (lotsa_first_accounts): issued by it, whole, or with
    # a second part completed by a login set with such a code (the taint carries; accounts.services).
    by_installation = models.BooleanField(default=False)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    # Who was given its parts: the administrator the first (or the whole code), the approver the second.
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"EnrolmentCode {self.pk}"


class IdentityLink(Device):
    """An account's identity at a login provider (OpenID Connect today, SAML later): the provider's
    issuer or entity id, the claim it is matched by (the subject, an employee or HSA id) and its value.
    Made only when a second person approves an administrator's request (``RequestKind.IDENTITY_LINK``);
    a login never makes one. It is also the django-otp device of a session from that provider (the
    provider proved the second factor): removing the link ends such sessions at their next request.

    The value may be a personal identity number (the SAML default attribute): it is stored encrypted
    under a data key of the link's own (``row_key``, also the row its ciphertext is bound to), and a
    login finds the link by the keyed blind index ``value_index`` alone, never by decrypting."""

    encryption_subject_field = "row_key"
    encryption_row_field = "row_key"

    provider = models.CharField(_("login provider"), max_length=300)
    claim = models.CharField(_("claim"), max_length=64)
    row_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    value = EncryptedTextField(_("value"))
    value_index = BlindIndexField(source="value")
    request = models.ForeignKey(AccountRequest, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)
    # Approved by a login the installation's one installer may have held alone (accounts.installation):
    # the installer could have linked the account to their own e-ID, so a login through it is confined
    # like the installation's own, until the provider itself says who the person is: its answer carried
    # the configured first-supervisor claim (LOTSA_OIDC_FIRST_SUPERVISOR_CLAIM,
    # LOTSA_SAML_FIRST_SUPERVISOR_ATTRIBUTE), which the city assigns in its own directory. Then the
    # link is confirmed (when, by which claim): the chain ends there.
    by_installation = models.BooleanField(default=False)
    provider_confirmed_at = models.DateTimeField(null=True, blank=True)
    provider_confirmed_by = models.CharField(max_length=300, blank=True)

    # django-otp's device manager, over a queryset that refuses bulk writes (the value is encrypted).
    objects = DeviceManager.from_queryset(GuardedQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "claim", "value_index"], name="one_account_per_identity"
            )
        ]
        verbose_name = _("identity link")
        verbose_name_plural = _("identity links")

    def __str__(self) -> str:
        return f"IdentityLink {self.pk}"

    @property
    def held_by_installation(self) -> bool:
        """Approved by a login the installer may have held alone, and not (yet) confirmed by the
        provider's first-supervisor claim: a login through it is confined (accounts.installation)."""
        return self.by_installation and self.provider_confirmed_at is None


class UsedAssertion(models.Model):
    """An answer of a login provider accepted once (a SAML Response's or Assertion's ID): installation-
    wide, across every session and process, so that the same answer is refused wherever it comes again.
    Kept until the answer could no longer be accepted anyway, then pruned (accounts.replay). Only a
    hash of the ID is kept: the IDs are the provider's, and hashing bounds the column."""

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"UsedAssertion {self.pk}"
