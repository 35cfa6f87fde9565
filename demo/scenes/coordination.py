"""Coordination scene: a year of de-identified reports and Rinkeby-Kista's situation picture."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from cases.words import Milieu
from coordination.models import AgeBand, DeidentifiedReport, Setting, SituationPicture
from coordination.services import deidentified_report_send, situation_picture_write
from demo.scenes.accounts import HV, RK, ST, Organisations, Users


def load(*, organisations: Organisations, users: Users) -> None:
    """A year of de-identified reports from staff in the three districts, more in some months than
    in others, so that the coordinator's pictures show something. Seeded: the same every time."""
    if DeidentifiedReport.objects.exists():
        return
    rng = random.Random(2026)
    areas = {
        RK: ["Rinkeby", "Kista", "Husby", "Akalla"],
        ST: ["Tensta", "Hjulsta", "Spånga"],
        HV: ["Hässelby", "Vällingby", "Råcksta"],
    }
    senders = [
        users[name]
        for name in (
            "socialsekreterare.rk",
            "socialsekreterare.st",
            "socialsekreterare.hv",
            "skola.kista",
            "forening.jarva",
            "polis.jarva",
            "vbe-teamet",
        )
    ]
    texts = {
        Setting.SCHOOL: [
            "Elev har visat symboler från en våldsbejakande rörelse på skolan och i klassrummet.",
            "Lärare har hört elever tala positivt om attentat på rasten.",
            "Propagandaklistermärken på skolans toaletter.",
        ],
        Setting.ONLINE: [
            "Ungdom delar våldsbejakande filmklipp i en klassgrupp i sociala medier.",
            "Rekrytering till en grupp i en chattapp, enligt flera ungdomar.",
        ],
        Setting.LEISURE: [
            "Personal på fritidsgården har sett en grupp äldre värva yngre till träning med kampinslag.",
            "Affischer för en extrem organisation uppsatta vid fritidsgården.",
        ],
        Setting.PUBLIC_PLACE: [
            "Flygblad med hatbudskap delades ut vid tunnelbanan.",
            "Klotter med hot mot en religiös församling i centrum.",
        ],
        Setting.HOME: ["Förälder berättar om oro för att tonåringen dras till en extrem miljö."],
        Setting.SOCIAL_SERVICES: ["I ett samtal om annat kom uppgifter fram om resor till en konfliktzon."],
    }
    milieus = [Milieu.VIOLENT_ISLAMIST, Milieu.WHITE_POWER, Milieu.AUTONOMOUS, Milieu.UNCLEAR]
    today = timezone.localdate()
    for back in range(365, 0, -1):
        day = today - dt.timedelta(days=back)
        # Autumn and spring terms bring more reports than the summer.
        chance = 0.1 if day.month in (6, 7, 8) else 0.45
        if rng.random() > chance:
            continue
        district = rng.choice([RK, RK, ST, HV])
        setting = rng.choice(list(texts))
        deidentified_report_send(
            by=rng.choice(senders),
            administration_id=organisations[district].pk,
            area=rng.choice(areas[district]),
            occurred_on=day,
            kind=rng.choice(["concern", "concern", "event"]),
            milieu=rng.choice(milieus),
            setting=setting,
            age_band=rng.choice([AgeBand.FROM_13_TO_15, AgeBand.FROM_16_TO_17, AgeBand.FROM_18_TO_24]),
            description=rng.choice(texts[setting]),
        )
    _situation_picture(organisations=organisations, users=users)


def _situation_picture(*, organisations: Organisations, users: Users) -> None:
    """Rinkeby-Kista's situation picture for this year, written after the meeting with the local
    police and revised once."""
    district = organisations[RK]
    year = timezone.localdate().year
    if SituationPicture.objects.filter(administration=district, year=year).exists():
        return
    for police in (
        "Lokalpolisen ser en fortsatt närvaro av våldsbejakande islamism i området och enstaka "
        "aktiviteter från vit makt-miljön kring skolstarten.",
        "Lokalpolisen ser en fortsatt närvaro av våldsbejakande islamism i området. Aktiviteterna "
        "från vit makt-miljön har minskat under hösten.",
    ):
        situation_picture_write(
            by=users["samordnare"],
            administration_id=district.pk,
            year=year,
            coordinator_assessment=(
                "Rapporterna om oro kommer främst från skolor och fritidsgårdar, med fler under "
                "terminerna än under sommaren. Rekrytering sker allt oftare i sociala medier."
            ),
            police_assessment=police,
        )
