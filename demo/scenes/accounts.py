"""The organisations and one demo user of every role, each with a confirmed TOTP device.

The first scene: every later one finds its units and users here, by name.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, OrganisationKind, Role, RoleGrant, User

DEMO_PASSWORD = "Lotsa-demo-2026"  # noqa: S105 - printed on purpose: the demo is the one place for it

DISTRICTS = ("Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby")

ORGANISATIONS = [
    *[(f"{d} stadsdelsförvaltning", OrganisationKind.DISTRICT_ADMINISTRATION, d) for d in DISTRICTS],
    ("Socialförvaltningen, VBE-teamet", OrganisationKind.VBE_TEAM, ""),
    ("Socialförvaltningen, avhopparverksamheten", OrganisationKind.DEFECTOR_PROGRAMME, ""),
    ("Socialförvaltningen, Behandlingsenheten", OrganisationKind.TREATMENT_UNIT, ""),
    ("Polisen, lokalpolisområde Järva", OrganisationKind.POLICE, "Rinkeby-Kista"),
    ("Polisen, BOPS", OrganisationKind.BOPS, ""),
    ("Säkerhetspolisen", OrganisationKind.SECURITY_SERVICE, ""),
    ("Kista grundskola", OrganisationKind.SCHOOL, "Rinkeby-Kista"),
    ("Föreningen Fotboll i Järva", OrganisationKind.SPORTS_CLUB, "Rinkeby-Kista"),
    ("Jobbtorg Stockholm", OrganisationKind.JOBBTORG, ""),
    ("Exit Norr (privat avhopparverksamhet)", OrganisationKind.PRIVATE_DEFECTOR_PROGRAMME, ""),
    ("Stadens systemförvaltning", OrganisationKind.SYSTEM_MANAGEMENT, ""),
]

# username, given name, surname, organisation, roles
USERS = [
    ("socialsekreterare.rk", "Amina", "Berg", "Rinkeby-Kista stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("socialsekreterare.st", "Jonas", "Ek", "Spånga-Tensta stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("socialsekreterare.hv", "Sara", "Lind", "Hässelby-Vällingby stadsdelsförvaltning", [Role.SOCIAL_WORKER]),
    ("enhetschef.rk", "Karin", "Holm", "Rinkeby-Kista stadsdelsförvaltning", [Role.SUPERVISOR]),
    # A second district's supervisor: each district's staff are approved by their own supervisor.
    ("enhetschef.st", "Petra", "Lund", "Spånga-Tensta stadsdelsförvaltning", [Role.SUPERVISOR]),
    ("vbe-teamet", "Omar", "Nilsson", "Socialförvaltningen, VBE-teamet", [Role.VBE_TEAM]),
    (
        "avhopparverksamheten",
        "Lena",
        "Strand",
        "Socialförvaltningen, avhopparverksamheten",
        [Role.DEFECTOR_PROGRAMME],
    ),
    (
        "enhetschef.avhopp",
        "Maja",
        "Ek",
        "Socialförvaltningen, avhopparverksamheten",
        [Role.SUPERVISOR],
    ),
    ("enhetschef.vbe", "Sofia", "Berg", "Socialförvaltningen, VBE-teamet", [Role.SUPERVISOR]),
    # The third district and the treatment unit have supervisors too: the closings proposed there (after
    # a hand-over was accepted) are decided in the unit, by four eyes, like everywhere else.
    ("enhetschef.hv", "Tomas", "Björk", "Hässelby-Vällingby stadsdelsförvaltning", [Role.SUPERVISOR]),
    ("behandlingsenheten", "Erik", "Sjö", "Socialförvaltningen, Behandlingsenheten", [Role.TREATMENT_UNIT]),
    (
        "enhetschef.beh",
        "Hanna",
        "Grön",
        "Socialförvaltningen, Behandlingsenheten",
        [Role.SUPERVISOR],
    ),
    ("polis.jarva", "Maria", "Falk", "Polisen, lokalpolisområde Järva", [Role.EXTERNAL_MEMBER]),
    ("polis.bops", "Anders", "Vik", "Polisen, BOPS", [Role.EXTERNAL_MEMBER]),
    ("skola.kista", "Fatima", "Ali", "Kista grundskola", [Role.EXTERNAL_MEMBER]),
    ("forening.jarva", "Ahmed", "Yusuf", "Föreningen Fotboll i Järva", [Role.EXTERNAL_MEMBER]),
    ("jobbtorg.stockholm", "Leila", "Berg", "Jobbtorg Stockholm", [Role.EXTERNAL_MEMBER]),
    ("samordnare", "Eva", "Dahl", "Rinkeby-Kista stadsdelsförvaltning", [Role.COORDINATOR]),
    # The central coordinator sits in the city-wide social-services administration: every district.
    ("samordnare.central", "Johan", "Åberg", "Socialförvaltningen, VBE-teamet", [Role.COORDINATOR]),
    ("administrator", "Nils", "Ström", "Stadens systemförvaltning", [Role.ADMINISTRATOR]),
    # The social-services administration's access approver: approves supervisors, external members,
    # organisations and units without a supervisor (never any supervisor at all).
    (
        "behorighetsansvarig",
        "Ingrid",
        "Norberg",
        "Socialförvaltningen, VBE-teamet",
        [Role.ACCESS_APPROVER],
    ),
]

# The three district administrations, as the later scenes name them.
RK, ST, HV = (f"{d} stadsdelsförvaltning" for d in DISTRICTS)

Organisations = dict[str, Organisation]
Users = dict[str, User]


def organisations() -> Organisations:
    result = {}
    for name, kind, district in ORGANISATIONS:
        result[name], _ = Organisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "district": district, "is_active": True}
        )
    return result


def users(*, organisations: Organisations) -> Users:
    result = {}
    for username, given, surname, organisation, roles in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        user.first_name, user.last_name = given, surname
        user.email = f"{username}@demo.lotsa.invalid"
        user.organisation = organisations[organisation]
        user.is_active = True
        user.save()
        for role in roles:
            RoleGrant.objects.get_or_create(user=user, role=role)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Lotsa demo", confirmed=True)
        result[username] = user
    return result
