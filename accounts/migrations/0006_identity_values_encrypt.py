"""Data: every identity value (a link's, a request's) encrypted under a data key of its row's own and
indexed by its keyed blind index; backwards, decrypted into the plaintext column again.

The ciphertexts are made exactly as the models' fields make them (lotsa.crypto: the binding to
``accounts.identitylink``/``value`` and ``accounts.accountrequest``/``identity_value``, the row key as
row and subject), so that 0007's fields read them."""

import uuid

from django.db import migrations

from lotsa import crypto

LINK = ("accounts.identitylink", "value")
REQUEST = ("accounts.accountrequest", "identity_value")


def _seal(text: str, where: tuple[str, str], key: uuid.UUID) -> tuple[bytes, str]:
    label, field = where
    sealed = crypto.encrypt_value(text.encode("utf-8"), label=label, field=field, pk=str(key), subject_id=key)
    return sealed, crypto.blind_index(f"{label}.{field}", text)


def _open(blob, where: tuple[str, str], key: uuid.UUID) -> str:
    label, field = where
    return crypto.decrypt_value(bytes(blob), label=label, field=field, pk=str(key), subject_id=key).decode()


def encrypt(apps, schema_editor):
    IdentityLink = apps.get_model("accounts", "IdentityLink")
    AccountRequest = apps.get_model("accounts", "AccountRequest")
    for link in IdentityLink.objects.all():
        link.row_key = link.row_key or uuid.uuid4()
        link.value_sealed, link.value_index = _seal(link.value, LINK, link.row_key)
        link.value = ""
        link.save(update_fields=["row_key", "value_sealed", "value_index", "value"])
    for request in AccountRequest.objects.exclude(identity_value=""):
        request.identity_key = request.identity_key or uuid.uuid4()
        request.identity_value_sealed, request.identity_value_index = _seal(
            request.identity_value, REQUEST, request.identity_key
        )
        request.identity_value = ""
        request.save(
            update_fields=["identity_key", "identity_value_sealed", "identity_value_index", "identity_value"]
        )


def decrypt(apps, schema_editor):
    IdentityLink = apps.get_model("accounts", "IdentityLink")
    AccountRequest = apps.get_model("accounts", "AccountRequest")
    for link in IdentityLink.objects.exclude(value_sealed=None):
        link.value = _open(link.value_sealed, LINK, link.row_key)
        link.save(update_fields=["value"])
    for request in AccountRequest.objects.exclude(identity_value_sealed=None):
        request.identity_value = _open(request.identity_value_sealed, REQUEST, request.identity_key)
        request.save(update_fields=["identity_value"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_identity_values_sealed"),
        ("lotsa", "0001_initial"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
