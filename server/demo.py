"""Demo data: a demo veiligheidsregio with groups, organisations and an administrator.

Idempotent: running it again creates only what is missing. The demo administrator's password
is generated once and kept in WEERBAAR_DATA_DIR/demo_admin_password (mode 0600).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from capabilities.models import Organisation
from federation.models import Actor
from federation.services import create_local_actor
from groups.models import Group

from .accounts.models import User
from .accounts.services import create_admin
from .models import NodeSettings

DEMO_ADMIN = "beheerder"
DEMO_REGION = "VR09"  # Utrecht
# A syntactically valid address in the reserved .invalid domain: mail to it goes nowhere.
DEMO_ADMIN_EMAIL = "beheerder@demo.weerbaarnl.invalid"

DEMO_GROUPS = [
    ("hoogwater", "Hoogwater en evacuatie", Group.Mode.OPEN,
     "Voorbereiding op hoogwater langs Lek en Nederrijn: evacuatieroutes, opvang en vervoer van mens en dier."),
    ("stroomuitval", "Langdurige stroomuitval", Group.Mode.OPEN,
     "Wat doen we als de stroom dagen uitvalt? Noodstroom, drinkwater, communicatie en zorg voor kwetsbaren."),
    ("opvang", "Opvang en bevolkingszorg", Group.Mode.APPROVAL,
     "Werkgroep voor opvanglocaties: dak, bed, bad, brood en breedband voor ontheemde inwoners."),
    ("nafase", "Nafase en herstel", Group.Mode.OPEN,
     "Nazorg na een crisis: schadeherstel, psychosociale hulp, herdenken en elkaar helpen."),
    ("crisisteam", "Regionaal crisisteam (besloten)", Group.Mode.PRIVATE,
     "Besloten overleg van de crisispartners in de regio."),
]

DEMO_ORGANISATIONS = [
    ("rodekruis_utrecht", "Rode Kruis Utrecht", Organisation.Kind.NGO, ["VR09"],
     "Noodhulpteams, opvang en eerste hulp bij rampen in de regio Utrecht."),
    ("ggd_regio_utrecht", "GGD regio Utrecht", Organisation.Kind.SAFETY_PARTNER, ["VR09"],
     "Publieke gezondheidszorg en psychosociale hulp bij rampen."),
    ("vitens", "Vitens", Organisation.Kind.BUSINESS, ["VR04", "VR05", "VR06", "VR09"],
     "Drinkwaterbedrijf: noodwatervoorziening bij verstoringen."),
    ("leger_des_heils", "Leger des Heils Midden-Nederland", Organisation.Kind.NGO, ["VR09"],
     "Opvang, maaltijden en nazorg voor getroffen inwoners."),
    ("buurtkracht_utrecht", "Buurtkracht Utrecht", Organisation.Kind.CITIZEN,
     ["VR09"], "Bewonersinitiatief dat buren helpt bij stroomuitval en hoogwater."),
]


@dataclass
class DemoResult:
    admin_username: str
    admin_password: str
    created: list[str]


def _demo_password() -> str:
    path = settings.DATA_DIR / "demo_admin_password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password


@transaction.atomic
def load_demo() -> DemoResult:
    created: list[str] = []
    node = NodeSettings.current()
    if not node.region:
        node.name = "WeerbaarNL Utrecht (demo)"
        node.region = DEMO_REGION
        node.description = (
            "Demonstratieknooppunt van veiligheidsregio Utrecht: werkgroepen, kennis en wat "
            "organisaties kunnen leveren voor, tijdens en na een crisis."
        )
        node.save()
        created.append("node settings")

    password = _demo_password()
    if not User.objects.filter(username=DEMO_ADMIN).exists():
        create_admin(DEMO_ADMIN, DEMO_ADMIN_EMAIL, password)
        created.append(f"administrator {DEMO_ADMIN}")

    for slug, name, mode, description in DEMO_GROUPS:
        if not Actor.objects.filter(username=slug).exists():
            actor = create_local_actor(
                Actor.Type.GROUP, slug, name=name, summary=description,
                manually_approves_followers=mode != Group.Mode.OPEN,
                discoverable=mode != Group.Mode.PRIVATE,
            )
            Group.objects.create(actor=actor, name=name, description=description, mode=mode)
            created.append(f"group {slug}")

    for slug, name, kind, regions, description in DEMO_ORGANISATIONS:
        if not Actor.objects.filter(username=slug).exists():
            actor = create_local_actor(Actor.Type.ORGANIZATION, slug, name=name, summary=description)
            Organisation.objects.create(actor=actor, name=name, kind=kind, regions=regions, description=description)
            created.append(f"organisation {slug}")
    return DemoResult(DEMO_ADMIN, password, created)
