"""Data: the identity links approved before 0011 by a login the installer may have held alone are
recorded as the installation's (``IdentityLink.by_installation``), and so is what such a link's session
may have approved since (accounts.installation: the taint carries through a link until the provider
confirms it by the first-supervisor claim).

Which session approved a link or completed a code was not recorded, so where it is in doubt the record
is tainted, never cleared: an approver whose login in use is the installation's, or who has a link
recorded so, taints the links they approved and the second parts they completed (and the logins those
set), until nothing changes. Whoever is wrongly caught is confined until the provider confirms their
link (the claim) or their login is reset with an untainted approval. Backwards: the flags stay (a
taint is never cleared by a migration)."""

from django.db import migrations


def record(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    IdentityLink = apps.get_model("accounts", "IdentityLink")
    EnrolmentCode = apps.get_model("accounts", "EnrolmentCode")
    while True:
        tainted_users = set(
            User.objects.filter(login_code__by_installation=True).values_list("pk", flat=True)
        ) | set(IdentityLink.objects.filter(by_installation=True).values_list("user_id", flat=True))
        # The base manager: a flag, no encrypted field, is written (the live model's default manager
        # refuses bulk writes, which would bypass the value's encryption).
        links = IdentityLink._base_manager.filter(
            by_installation=False, request__decided_by__in=tainted_users
        )
        codes = EnrolmentCode._base_manager.filter(by_installation=False, completed_by__in=tainted_users)
        changed = links.update(by_installation=True) + codes.update(by_installation=True)
        if not changed:
            return


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_identity_links_by_installation"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
