"""The demo, one scene per app, composed in order by ``manage.py load_demo``.

The scenes live here, in the demo app, rather than as ``<app>/demo.py`` in each app: they share the
demo's cast (organisations and users by name, people by surname) and build on each other's data, the
demo app sits above every domain app so importing them all is allowed, and no domain app ships
demo-only code (such as the back-dated flags written past the guard). Each scene is idempotent: it
returns when its data is already there.
"""

from demo.scenes import (
    accounts,
    ages,
    cases,
    consent,
    coordination,
    defectors,
    first_contacts,
    handovers,
    protection,
    relatives,
    reserve,
    sig,
    supervision,
    threat,
)

__all__ = [
    "accounts",
    "ages",
    "cases",
    "consent",
    "coordination",
    "defectors",
    "first_contacts",
    "handovers",
    "protection",
    "relatives",
    "reserve",
    "sig",
    "supervision",
    "threat",
]
