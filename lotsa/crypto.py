"""Field-level encryption for personal data (architecture invariant 4).

* AES-256-GCM (``cryptography``'s AESGCM) with a random 96-bit nonce for every value.
* Envelope encryption: every subject (a person) has a data key of its own; it is stored wrapped
  (encrypted) by a versioned master key. Rotating the master key rewraps data keys and never
  touches the data; destroying a subject's data key (crypto-shredding) makes every ciphertext of
  that subject unreadable for good.
* Every field ciphertext carries a format byte and the subject id (its key id), and is bound by the
  associated data to its model, field, primary key and subject, so a ciphertext copied to another
  row, column or person fails to decrypt.
* Decryption fails loudly: a mismatch raises :class:`DecryptionError`, never returns garbage.
* A keyed blind index (HMAC-SHA256 under a key of its own, derived per field with HKDF) answers
  exact-match lookups without decrypting anything.

* Texts that concern no person (de-identified reports, situation pictures, the log review's notes,
  needs-and-risk analyses) are encrypted the same way under their **organisation's** data key: its key
  id is derived from the organisation (:func:`organisation_key_id`, a name-based UUID in a namespace of
  Lotsa's own, so it can never be a person's id), it is wrapped by the master key and rotated like any
  other, and the ciphertext's format byte says which kind of key it needs (0x01 a person's, 0x02 an
  organisation's) and is itself bound by the associated data. A model names its organisation with
  ``encryption_organisation_field`` instead of ``encryption_subject_field``.
* A model whose primary key is assigned by the database on insert binds its ciphertexts to a row key
  of its own, set before the insert (``encryption_row_field``, a UUID field); the others bind to the
  primary key.

Field ciphertext layout: ``format (0x01|0x02) | key id (16) | nonce (12) | AES-GCM ciphertext and tag``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lotsa import keyfile
from lotsa.models import DataKey

# What the text of an erased subject reads as, everywhere.
ERASED = gettext_lazy("[erased]")

FORMAT_V1 = b"\x01"  # under a person's data key (the key id is the person's id)
FORMAT_ORGANISATION_V1 = b"\x02"  # under an organisation's data key (the key id: organisation_key_id)
KEY_FORMATS = {FORMAT_V1: "a person's", FORMAT_ORGANISATION_V1: "an organisation's"}
# The namespace of organisations' key ids (uuid5): fixed for good, changing it loses every such key.
ORGANISATION_KEY_NAMESPACE = uuid.UUID("0b7a6f1e-4c1d-5a52-9e0f-6c6f7473612d")
NONCE_BYTES = 12
SUBJECT_BYTES = 16
HEADER_BYTES = len(FORMAT_V1) + SUBJECT_BYTES + NONCE_BYTES
TAG_BYTES = 16


class CryptoError(Exception):
    """Base class. Messages name models, fields and ids, never plaintext or key bytes."""


class DecryptionError(CryptoError):
    """A ciphertext could not be authenticated: wrong key, wrong binding, or tampering."""


class SubjectShredded(DecryptionError):
    """The subject's data key has been destroyed; its data can never be read again."""


class MissingKey(CryptoError):
    """A key that a ciphertext or a wrapped data key needs is not configured."""


# --- Key material ----------------------------------------------------------------------------------

_keys_lock = threading.Lock()
_keys: keyfile.KeyMaterial | None = None


def key_material(*, reload: bool = False) -> keyfile.KeyMaterial:
    global _keys
    with _keys_lock:
        if _keys is None or reload:
            _keys = keyfile.load(settings.LOTSA_KEY_FILE)
            _field_index_key.cache_clear()
        return _keys


def master_key(version: int) -> bytes:
    keys = key_material()
    if version not in keys.master_keys:
        # Another process may have added a version (rotate_keys): read the source again once.
        keys = key_material(reload=True)
    try:
        return keys.master_keys[version]
    except KeyError:
        raise MissingKey(f"master key version {version} is not configured") from None


# --- The primitive -------------------------------------------------------------------------------


def seal(key: bytes | AESGCM, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt with a fresh random nonce; returns ``nonce | ciphertext | tag``."""
    nonce = os.urandom(NONCE_BYTES)
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    return nonce + cipher.encrypt(nonce, plaintext, associated_data)


def unseal(key: bytes | AESGCM, sealed: bytes, associated_data: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext is too short")
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication") from None


# --- Data keys -----------------------------------------------------------------------------------


def _wrap_aad(subject_id: uuid.UUID, version: int) -> bytes:
    return b"lotsa:data-key:v1|" + subject_id.bytes + b"|" + str(version).encode()


def wrap_data_key(subject_id: uuid.UUID, data_key: bytes, version: int) -> bytes:
    return seal(master_key(version), data_key, _wrap_aad(subject_id, version))


def unwrap_data_key(subject_id: uuid.UUID, wrapped: bytes, version: int) -> bytes:
    return unseal(master_key(version), bytes(wrapped), _wrap_aad(subject_id, version))


# Unwrapped data keys (with their prepared AES-GCM contexts) are kept only for the length of one
# request (or one explicit block), so a shredded key stops working everywhere at the next request.
_key_cache: ContextVar[dict[uuid.UUID, tuple[bytes, AESGCM]] | None] = ContextVar(
    "lotsa_key_cache", default=None
)


@contextlib.contextmanager
def key_cache() -> Iterator[None]:
    token = _key_cache.set({})
    try:
        yield
    finally:
        _key_cache.reset(token)


def cached_subjects() -> frozenset[uuid.UUID] | None:
    """The subjects whose unwrapped keys the current request (or block) holds; None outside any."""
    cache = _key_cache.get()
    return None if cache is None else frozenset(cache)


def _data_key_model():
    return DataKey


def organisation_key_id(organisation_id) -> uuid.UUID:
    """The key id (subject id of the data key) of an organisation's texts."""
    if organisation_id is None:
        raise CryptoError("an organisation's key needs the organisation")
    return uuid.uuid5(ORGANISATION_KEY_NAMESPACE, f"lotsa:organisation:{organisation_id}")


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _unwrap_row(row) -> bytes:
    if row.shredded_at is not None or row.wrapped_key is None:
        raise SubjectShredded(f"the data key of subject {row.subject_id} has been destroyed")
    return unwrap_data_key(row.subject_id, row.wrapped_key, row.master_version)


def data_key(subject_id, *, create: bool = False) -> bytes:
    """The subject's data key, unwrapped. With ``create``, make one if the subject has none."""
    return _data_key_and_cipher(subject_id, create=create)[0]


def data_cipher(subject_id, *, create: bool = False) -> AESGCM:
    """The subject's data key as a prepared AES-GCM context (its key schedule made once a request)."""
    return _data_key_and_cipher(subject_id, create=create)[1]


def _data_key_and_cipher(subject_id, *, create: bool) -> tuple[bytes, AESGCM]:
    subject_id = _as_uuid(subject_id)
    cache = _key_cache.get()
    if cache is not None and subject_id in cache:
        return cache[subject_id]
    DataKey = _data_key_model()
    row = DataKey.objects.filter(subject_id=subject_id).first()
    if row is None:
        if not create:
            raise MissingKey(f"subject {subject_id} has no data key")
        row = _create_data_key(subject_id)
    key = _unwrap_row(row)
    entry = (key, AESGCM(key))
    if cache is not None:
        cache[subject_id] = entry
    return entry


def _create_data_key(subject_id: uuid.UUID):
    DataKey = _data_key_model()
    version = key_material().current_version
    try:
        with transaction.atomic():
            return DataKey.objects.create(
                subject_id=subject_id,
                master_version=version,
                wrapped_key=wrap_data_key(subject_id, keyfile.new_key(), version),
            )
    except IntegrityError:
        # Another transaction created it first: use theirs.
        return DataKey.objects.get(subject_id=subject_id)


def prefetch_data_keys(subject_ids: Iterable) -> None:
    """Load and unwrap the data keys of many subjects in one query (for list pages)."""
    cache = _key_cache.get()
    if cache is None:
        return
    wanted = {_as_uuid(s) for s in subject_ids} - cache.keys()
    if not wanted:
        return
    for row in _data_key_model().objects.filter(subject_id__in=wanted, shredded_at__isnull=True):
        key = _unwrap_row(row)
        cache[row.subject_id] = (key, AESGCM(key))


@transaction.atomic
def shred_subject(subject_id) -> None:
    """Destroy the subject's data key. Every ciphertext of the subject becomes unreadable, for good.

    The row stays, with its wrapped key erased, as the record that the subject was shredded and so
    that no new data key is ever created for the same subject.
    """
    subject_id = _as_uuid(subject_id)
    DataKey = _data_key_model()
    row, _ = DataKey.objects.select_for_update().get_or_create(
        subject_id=subject_id, defaults={"master_version": key_material().current_version}
    )
    row.wrapped_key = None
    row.shredded_at = timezone.now()
    row.save(update_fields=["wrapped_key", "shredded_at"])
    cache = _key_cache.get()
    if cache is not None:
        cache.pop(subject_id, None)


def rewrap_batch(*, to_version: int, batch_size: int = 500) -> int:
    """Rewrap up to ``batch_size`` data keys that are not yet under ``to_version``.

    One transaction a batch, rows locked, so an interruption loses nothing and a second run picks
    up where the first stopped. Returns how many keys were rewrapped.
    """
    DataKey = _data_key_model()
    with transaction.atomic():
        rows = list(
            DataKey.objects.select_for_update()
            .filter(master_version__lt=to_version, wrapped_key__isnull=False)
            .order_by("subject_id")[:batch_size]
        )
        for row in rows:
            plain = unwrap_data_key(row.subject_id, row.wrapped_key, row.master_version)
            row.wrapped_key = wrap_data_key(row.subject_id, plain, to_version)
            row.master_version = to_version
        DataKey.objects.bulk_update(rows, ["wrapped_key", "master_version"])
    return len(rows)


# --- Field ciphertexts ----------------------------------------------------------------------------


def field_associated_data(label: str, field: str, pk, subject_id: uuid.UUID) -> bytes:
    return b"|".join([b"lotsa:field:v1", label.encode(), field.encode(), str(pk).encode(), subject_id.bytes])


def encrypt_value(
    plaintext: bytes, *, label: str, field: str, pk, subject_id, key_format: bytes = FORMAT_V1
) -> bytes:
    subject_id = _as_uuid(subject_id)
    return encrypt_with_key(
        data_cipher(subject_id, create=True),
        plaintext,
        label=label,
        field=field,
        pk=pk,
        subject_id=subject_id,
        key_format=key_format,
    )


def encrypt_with_key(
    key: bytes | AESGCM,
    plaintext: bytes,
    *,
    label: str,
    field: str,
    pk,
    subject_id,
    key_format: bytes = FORMAT_V1,
) -> bytes:
    """The field ciphertext under an already unwrapped data key (bulk loading, benchmarks)."""
    if key_format not in KEY_FORMATS:
        raise CryptoError(f"unknown key format {key_format!r}")
    subject_id = _as_uuid(subject_id)
    header = key_format + subject_id.bytes
    aad = header + field_associated_data(label, field, pk, subject_id)
    return header + seal(key, plaintext, aad)


def decrypt_value(
    blob: bytes, *, label: str, field: str, pk, subject_id, key_format: bytes = FORMAT_V1
) -> bytes:
    blob = bytes(blob)
    subject_id = _as_uuid(subject_id)
    if len(blob) < HEADER_BYTES + TAG_BYTES or blob[:1] not in KEY_FORMATS:
        raise DecryptionError(f"{label}.{field} of {pk}: not a Lotsa ciphertext")
    if blob[:1] != key_format:
        raise DecryptionError(
            f"{label}.{field} of {pk}: ciphertext is under {KEY_FORMATS[blob[:1]]} key, "
            f"not {KEY_FORMATS[key_format]}"
        )
    stored_subject = uuid.UUID(bytes=blob[1 : 1 + SUBJECT_BYTES])
    if stored_subject != subject_id:
        raise DecryptionError(f"{label}.{field} of {pk}: ciphertext belongs to another subject")
    header = blob[: 1 + SUBJECT_BYTES]
    aad = header + field_associated_data(label, field, pk, subject_id)
    try:
        return unseal(data_cipher(subject_id), blob[len(header) :], aad)
    except SubjectShredded:
        raise
    except DecryptionError as exc:
        raise DecryptionError(f"{label}.{field} of {pk}: {exc}") from None


def encrypt_organisation_text(text: str, *, label: str, field: str, row, organisation_id) -> bytes:
    """What an EncryptedTextField of a model with ``encryption_organisation_field`` stores for
    ``text`` (for data migrations, whose historical models know nothing of the binding)."""
    return encrypt_value(
        text.encode("utf-8"),
        label=label,
        field=field,
        pk=str(row),
        subject_id=organisation_key_id(organisation_id),
        key_format=FORMAT_ORGANISATION_V1,
    )


def decrypt_organisation_text(blob: bytes, *, label: str, field: str, row, organisation_id) -> str:
    return decrypt_value(
        blob,
        label=label,
        field=field,
        pk=str(row),
        subject_id=organisation_key_id(organisation_id),
        key_format=FORMAT_ORGANISATION_V1,
    ).decode("utf-8")


# --- Blind index ---------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _field_index_key(domain: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lotsa:blind-index:v1|" + domain.encode()
    ).derive(key_material().blind_index_key)


def blind_index(domain: str, value: str) -> str:
    """A keyed hash of ``value`` for exact-match lookups; ``domain`` names the field it indexes."""
    return hmac.new(_field_index_key(domain), value.encode("utf-8"), hashlib.sha256).hexdigest()


def truncated_blind_index(domain: str, value: str, *, bits: int) -> int:
    """The first ``bits`` bits of the keyed hash of ``value`` (under ``domain``'s own derived key), as a
    non-negative integer: a blind index that is meant to collide. Where many rows share few values
    (name tokens), truncation bounds what the index says: distinct values may share a digest, so equal
    digests no longer prove equal values, and every match is confirmed against the decrypted row."""
    if not 8 <= bits <= 62:
        raise CryptoError("a truncated blind index keeps between 8 and 62 bits")
    digest = hmac.new(_field_index_key(domain), value.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - bits)


# --- Model fields -----------------------------------------------------------------------------------


class _Plain:
    """What an encrypted attribute holds once set or decrypted: the value, and its ciphertext if known."""

    __slots__ = ("binding", "ciphertext", "value")

    def __init__(self, value, ciphertext: bytes | None = None, binding=None):
        self.value = value
        self.ciphertext = ciphertext
        self.binding = binding

    def __repr__(self) -> str:
        return "<encrypted value>"


class _EncryptedAttribute:
    """Decrypts on first access; stores plaintext that was set until the row is saved."""

    def __init__(self, field: EncryptedField):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        state = instance.__dict__.get(self.field.attname)
        if state is None:
            return None
        if isinstance(state, _Plain):
            return state.value
        ciphertext = bytes(state)
        try:
            value = self.field.decrypt(instance, ciphertext)
        except SubjectShredded:
            # Erased for good: every page, list and form that still meets the value shows a fixed
            # placeholder instead of failing. (Any other decryption failure stays loud.)
            value = self.field.shredded_placeholder()
        instance.__dict__[self.field.attname] = _Plain(value, ciphertext, self.field.binding(instance))
        return value

    def __set__(self, instance, value):
        if value is None or isinstance(value, bytes | bytearray | memoryview):
            # None, or a ciphertext as loaded from the database.
            instance.__dict__[self.field.attname] = None if value is None else bytes(value)
        else:
            instance.__dict__[self.field.attname] = _Plain(self.field.check_plaintext(value))


class EncryptedField(models.BinaryField):
    """Base class: stores ``FORMAT | subject | nonce | ciphertext`` in a binary column.

    The model names its subject with ``encryption_subject_field`` (the attname of a UUID field, "pk"
    for the subject itself), or, for texts that concern no person, its organisation with
    ``encryption_organisation_field`` (an attribute path such as "organisation_id" or
    "review.organisation_id"). A model whose primary key the database assigns on insert names a UUID
    row key with ``encryption_row_field``. Encrypted columns cannot be filtered or ordered on: use a
    blind index.
    """

    empty_values = [None, ""]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)
        self.editable = True

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _EncryptedAttribute(self))

    # -- encoding, per subclass
    def encode(self, value) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes):
        raise NotImplementedError

    def check_plaintext(self, value):
        return value

    def shredded_placeholder(self):
        """What a value of an erased (crypto-shredded) subject reads as."""
        return None

    # -- binding
    def key_format(self, instance) -> bytes:
        if getattr(type(instance), "encryption_organisation_field", None) is not None:
            return FORMAT_ORGANISATION_V1
        return FORMAT_V1

    def subject_id(self, instance) -> uuid.UUID:
        organisation = getattr(type(instance), "encryption_organisation_field", None)
        if organisation is not None:
            value = instance
            for part in organisation.split("."):
                value = getattr(value, part)
            if value is None:
                raise CryptoError(f"{instance._meta.label}.{self.name}: the organisation is not set yet")
            return organisation_key_id(value)
        attr = getattr(type(instance), "encryption_subject_field", None)
        if attr is None:
            raise CryptoError(
                f"{instance._meta.label} must set encryption_subject_field or encryption_organisation_field"
            )
        subject = instance.pk if attr == "pk" else getattr(instance, attr)
        if subject is None:
            raise CryptoError(f"{instance._meta.label}.{self.name}: the subject is not set yet")
        return _as_uuid(subject)

    def row_id(self, instance) -> str:
        attr = getattr(type(instance), "encryption_row_field", "pk")
        row = getattr(instance, attr)
        if row is None:
            # Binding to a key the database has yet to assign would make the value unreadable.
            raise CryptoError(f"{instance._meta.label}.{self.name}: the row has no key yet")
        return str(row)

    def binding(self, instance) -> tuple:
        return (
            instance._meta.label_lower,
            self.name,
            self.row_id(instance),
            self.subject_id(instance),
            self.key_format(instance),
        )

    def encrypt(self, instance, value) -> bytes:
        label, field, pk, subject, key_format = self.binding(instance)
        return encrypt_value(
            self.encode(value), label=label, field=field, pk=pk, subject_id=subject, key_format=key_format
        )

    def decrypt(self, instance, ciphertext: bytes):
        label, field, pk, subject, key_format = self.binding(instance)
        return self.decode(
            decrypt_value(
                ciphertext, label=label, field=field, pk=pk, subject_id=subject, key_format=key_format
            )
        )

    # -- persistence
    def pre_save(self, model_instance, add):
        state = model_instance.__dict__.get(self.attname)
        if state is None:
            return None
        if not isinstance(state, _Plain):
            return bytes(state)  # loaded and never touched: write back what was read
        if state.value is None:
            return None
        binding = self.binding(model_instance)
        if state.ciphertext is None or state.binding != binding:
            state.ciphertext = self.encrypt(model_instance, state.value)
            state.binding = binding
        return state.ciphertext

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None and not isinstance(value, bytes | bytearray | memoryview):
            # Reached through queryset.update(), bulk_update() or a filter: never let plaintext
            # through to the database.
            raise CryptoError(
                f"{self.model._meta.label}.{self.name} is encrypted: write it through save(), "
                f"look it up through a blind index"
            )
        return super().get_db_prep_value(value, connection, prepared)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model._meta.label}.{self.name} is encrypted and cannot be searched with "
                f"'{lookup_name}'; use its blind index"
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def value_to_string(self, obj):
        # Serialisation (dumpdata) writes the ciphertext, never the plaintext.
        state = obj.__dict__.get(self.attname)
        if isinstance(state, _Plain):
            ciphertext = self.pre_save(obj, add=False)
        else:
            ciphertext = state
        return None if ciphertext is None else super().value_to_string(_Carrier(self.attname, ciphertext))

    def formfield(self, **kwargs):
        return None


class _Carrier:
    def __init__(self, attname, value):
        self.__dict__[attname] = value


class EncryptedTextField(EncryptedField):
    description = "Encrypted text"

    def check_plaintext(self, value):
        if not isinstance(value, str):
            raise TypeError(f"{self.name} takes text, not {type(value).__name__}")
        return value

    def encode(self, value) -> bytes:
        return value.encode("utf-8")

    def decode(self, data: bytes):
        return data.decode("utf-8")

    def shredded_placeholder(self):
        return str(ERASED)


class EncryptedDateField(EncryptedField):
    description = "Encrypted date"

    def check_plaintext(self, value):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise TypeError(f"{self.name} takes a date, not {type(value).__name__}")
        return value

    def encode(self, value) -> bytes:
        return value.isoformat().encode("ascii")

    def decode(self, data: bytes):
        return dt.date.fromisoformat(data.decode("ascii"))


class EncryptedJSONField(EncryptedField):
    description = "Encrypted JSON"

    def check_plaintext(self, value):
        self.encode(value)  # refuse what cannot be stored, now rather than at save time
        return value

    def encode(self, value) -> bytes:
        return json.dumps(
            value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def decode(self, data: bytes):
        return json.loads(data.decode("utf-8"))

    def shredded_placeholder(self):
        return {}


class BlindIndexField(models.CharField):
    """The keyed hash of another (encrypted) field's normalised value, kept up to date on save.

    ``source`` names the encrypted field; ``normalise`` (a dotted path or callable) turns what a
    user typed into the canonical form, and returns None when there is nothing to index.
    """

    def __init__(self, *args, source: str = "", normalise=None, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("null", True)
        self.source = source
        self.normalise = normalise
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for default in ("max_length", "editable", "db_index", "null"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    @property
    def domain(self) -> str:
        return f"{self.model._meta.label_lower}.{self.source}"

    def index_of(self, value) -> str | None:
        if value is None:
            return None
        if self.normalise is not None:
            value = self.normalise(value)
            if value is None:
                return None
        return blind_index(self.domain, str(value))

    def pre_save(self, model_instance, add):
        source_attname = model_instance._meta.get_field(self.source).attname
        if source_attname in model_instance.__dict__:
            state = model_instance.__dict__[source_attname]
            if state is None or isinstance(state, _Plain):  # set, cleared or read: (re)compute
                value = self.index_of(None if state is None else state.value)
                setattr(model_instance, self.attname, value)
                return value
        return getattr(model_instance, self.attname)


# --- A model's encrypted fields ----------------------------------------------------------------------


def encrypted_fields(model) -> tuple[str, ...]:
    """The names of ``model``'s encrypted fields, in the model's order, found from its field classes: a
    field added to a model is in every list that walks them (change histories, tests, benchmarks)
    without anyone remembering to add it there. A proxy has its concrete model's."""
    return tuple(field.name for field in model._meta.get_fields() if isinstance(field, EncryptedField))


def encrypted_fields_written(instance) -> tuple[str, ...]:
    """The names of ``instance``'s encrypted fields given a new value that is not yet encrypted (set
    since the row was read or last saved): what a change is about to write, by name, never by value."""
    return tuple(
        name
        for name in encrypted_fields(type(instance))
        if isinstance(state := instance.__dict__.get(name), _Plain) and state.ciphertext is None
    )


def encryption_fields(model) -> tuple[str, ...]:
    """What of ``model`` belongs to its encryption and never enters a change history: the encrypted
    fields, the blind indexes of them, and the row key its ciphertexts are bound to (if not the
    primary key). A history of ciphertexts would show nothing but that a value changed, and a blind
    index is as good as the value to anyone who can compute it."""
    names = [
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedField | BlindIndexField)
    ]
    row = getattr(model, "encryption_row_field", None)
    if row is not None and row != "pk" and row not in names:
        names.append(row)
    return tuple(names)


def blind_index_lookup(model, field_name: str, value) -> dict:
    """``Model.objects.filter(**blind_index_lookup(Model, "x_index", typed))``: exact match."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, BlindIndexField):
        raise FieldError(f"{model._meta.label}.{field_name} is not a blind index")
    return {field_name: field.index_of(value) or "-"}
