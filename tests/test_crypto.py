"""lotsa.crypto: property tests of the envelope encryption, the fields and the blind index."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Person
from lotsa import crypto, keyfile
from lotsa.models import DataKey
from lotsa.querysets import BulkWriteRefused, GuardedQuerySet
from tests.factories import PersonFactory

keys = st.binary(min_size=32, max_size=32)
payloads = st.binary(max_size=4096)
aads = st.binary(max_size=64)
db_settings = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(key=keys, plaintext=payloads, aad=aads)
def test_seal_round_trip(key, plaintext, aad):
    assert crypto.unseal(key, crypto.seal(key, plaintext, aad), aad) == plaintext


@given(key=keys, other=keys, plaintext=payloads, aad=aads)
def test_wrong_key_raises(key, other, plaintext, aad):
    if key == other:
        return
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(other, crypto.seal(key, plaintext, aad), aad)


@given(key=keys, plaintext=payloads, aad=aads, other_aad=aads)
def test_wrong_associated_data_raises(key, plaintext, aad, other_aad):
    if aad == other_aad:
        return
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(key, crypto.seal(key, plaintext, aad), other_aad)


@given(key=keys, plaintext=payloads, aad=aads, data=st.data())
def test_any_flipped_bit_raises(key, plaintext, aad, data):
    sealed = bytearray(crypto.seal(key, plaintext, aad))
    bit = data.draw(st.integers(min_value=0, max_value=len(sealed) * 8 - 1))
    sealed[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(key, bytes(sealed), aad)


def test_nonces_are_random_and_96_bits():
    key = keyfile.new_key()
    sealed = {crypto.seal(key, b"same", b"")[: crypto.NONCE_BYTES] for _ in range(200)}
    assert len(sealed) == 200
    assert crypto.NONCE_BYTES * 8 == 96


def test_it_is_aes_256_gcm():
    key, aad = keyfile.new_key(), b"aad"
    sealed = crypto.seal(key, b"text", aad)
    assert AESGCM(key).decrypt(sealed[:12], sealed[12:], aad) == b"text"
    assert len(key) == 32


# --- Model fields -------------------------------------------------------------------------------

text = st.text(max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.django_db
@db_settings
@given(given_names=text, contact=json_values)
def test_fields_round_trip_through_the_database(given_names, contact):
    person = PersonFactory(given_names=given_names, contact=contact)
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.given_names == given_names
    assert loaded.contact == contact


@pytest.mark.django_db
def test_encrypted_date_field_round_trip():
    from lotsa.crypto import EncryptedDateField

    field = EncryptedDateField()
    field.set_attributes_from_name("born")
    field.model = Person
    person = PersonFactory()
    blob = field.encrypt(person, dt.date(1990, 2, 28))
    assert field.decrypt(person, blob) == dt.date(1990, 2, 28)
    with pytest.raises(TypeError):
        field.check_plaintext(dt.datetime(1990, 2, 28, 12, 0))


@pytest.mark.django_db
def test_column_holds_no_plaintext_and_carries_the_subject_as_key_id():
    person = PersonFactory(surname="Plaintextsson")
    raw = Person.objects.filter(pk=person.pk).values_list("surname", flat=True).get()
    raw = bytes(raw)
    assert b"Plaintextsson" not in raw
    assert raw[:1] == crypto.FORMAT_V1
    assert uuid.UUID(bytes=raw[1:17]) == person.pk


@pytest.mark.django_db
def test_ciphertext_moved_to_another_row_or_column_fails_loudly():
    first, second = PersonFactory(surname="First"), PersonFactory(surname="Second")
    raw_first = bytes(Person.objects.filter(pk=first.pk).values_list("surname", flat=True).get())
    # Another row (another subject, too):
    moved = Person.objects.get(pk=second.pk)
    moved.__dict__["surname"] = raw_first
    with pytest.raises(crypto.DecryptionError):
        _ = moved.surname
    # Another column of the same row:
    same_row = Person.objects.get(pk=first.pk)
    same_row.__dict__["given_names"] = raw_first
    with pytest.raises(crypto.DecryptionError):
        _ = same_row.given_names


@pytest.mark.django_db
@db_settings
@given(data=st.data())
def test_a_flipped_bit_in_a_stored_value_fails_loudly(data):
    person = PersonFactory(surname="Bitflip")
    raw = bytearray(Person.objects.filter(pk=person.pk).values_list("surname", flat=True).get())
    bit = data.draw(st.integers(min_value=0, max_value=len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    loaded = Person.objects.get(pk=person.pk)
    loaded.__dict__["surname"] = bytes(raw)
    with pytest.raises(crypto.DecryptionError):
        _ = loaded.surname


@contextlib.contextmanager
def using_key_file(path):
    """Run with another key file, and go back to the suite's own afterwards."""
    keyfile.generate_file(path)
    try:
        with override_settings(LOTSA_KEY_FILE=path):
            crypto.key_material(reload=True)
            yield path
    finally:
        crypto.key_material(reload=True)


@pytest.mark.django_db
def test_a_wrong_master_key_fails_loudly(tmp_path):
    person = PersonFactory(surname="Keyed")
    with using_key_file(tmp_path / "other-keys.json"):
        with crypto.key_cache(), pytest.raises(crypto.DecryptionError):
            _ = Person.objects.get(pk=person.pk).surname


@pytest.mark.django_db
def test_encrypted_fields_cannot_be_searched_or_bulk_written_in_plaintext():
    PersonFactory()
    with pytest.raises(FieldError):
        list(Person.objects.filter(surname="Andersson"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(surname__icontains="And"))
    with pytest.raises(BulkWriteRefused):
        Person.objects.update(surname="Plain")  # refused by the queryset guard, before anything
    with pytest.raises(crypto.CryptoError):
        Person.objects.bypassing_guard("test: the field refuses too").update(surname="Plain")


@pytest.mark.django_db
def test_bulk_writes_are_refused_on_every_model_with_personal_data():
    from django.apps import apps

    from cases.models import SignedEntryError
    from lotsa.crypto import EncryptedField

    guarded = [
        model
        for model in apps.get_models()
        if any(isinstance(field, EncryptedField) for field in model._meta.concrete_fields)
        and model._meta.app_label != "bench"
    ]
    assert len(guarded) > 10
    for model in guarded:
        assert isinstance(model.objects.all(), GuardedQuerySet), model._meta.label
        for call in (
            lambda m=model: m.objects.filter(pk__in=[]).update(),
            lambda m=model: m.objects.bulk_create([]),
            lambda m=model: m.objects.bulk_update([], ["pk"]),
        ):
            # Journals and consents refuse in their own words.
            with pytest.raises((BulkWriteRefused, SignedEntryError, TypeError)):
                call()


@pytest.mark.django_db
def test_blind_index_finds_by_exact_number_however_it_is_typed():
    person = PersonFactory(personal_number="19121212-1212")
    # Six-digit dates born over a hundred years ago take "+"; "121212-1212" is someone born in 2012.
    for typed in ("191212121212", "121212+1212", " 19121212-1212 "):
        found = Person.objects.filter(**crypto.blind_index_lookup(Person, "personal_number_index", typed))
        assert list(found) == [person], typed
    assert not Person.objects.filter(
        **crypto.blind_index_lookup(Person, "personal_number_index", "121212-1212")
    ).exists()
    assert not Person.objects.filter(
        **crypto.blind_index_lookup(Person, "personal_number_index", "19121212-1213")
    ).exists()
    index = Person.objects.filter(pk=person.pk).values_list("personal_number_index", flat=True).get()
    assert "1212" not in index and len(index) == 64


def test_blind_index_is_keyed_and_separated_per_field():
    a = crypto.blind_index("cases.person.personal_number", "191212121212")
    assert a == crypto.blind_index("cases.person.personal_number", "191212121212")
    assert a != crypto.blind_index("other.model.field", "191212121212")
    import hashlib

    assert a != hashlib.sha256(b"191212121212").hexdigest()


# --- Rotation and shredding -------------------------------------------------------------------------


@pytest.mark.django_db
@db_settings
@given(surnames=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5))
def test_after_rotation_everything_reads(surnames, tmp_path_factory):
    with using_key_file(tmp_path_factory.mktemp("keys") / "keys.json"):
        people = [PersonFactory(surname=s) for s in surnames]
        before = crypto.key_material().current_version
        call_command("rotate_keys", "--no-progress", "--batch-size", "2", stdout=_Sink(), stderr=_Sink())
        after = crypto.key_material().current_version
        assert after == before + 1
        assert not DataKey.objects.filter(master_version__lt=after, wrapped_key__isnull=False).exists()
        with crypto.key_cache():
            assert [Person.objects.get(pk=p.pk).surname for p in people] == surnames


@pytest.mark.django_db
def test_interrupted_rotation_resumes_without_adding_another_version(tmp_path):
    with using_key_file(tmp_path / "keys.json") as key_file:
        people = [PersonFactory(surname=f"P{i}") for i in range(5)]
        new_version = keyfile.add_master_version(key_file)  # what rotate_keys does first...
        crypto.key_material(reload=True)
        crypto.rewrap_batch(to_version=new_version, batch_size=2)  # ...then it is killed mid-way
        assert DataKey.objects.filter(master_version__lt=new_version).count() == 3
        call_command("rotate_keys", "--no-progress", stdout=_Sink(), stderr=_Sink())
        assert crypto.key_material().current_version == new_version
        assert set(DataKey.objects.values_list("master_version", flat=True)) == {new_version}
        with crypto.key_cache():
            assert [Person.objects.get(pk=p.pk).surname for p in people] == [f"P{i}" for i in range(5)]


@pytest.mark.django_db
@db_settings
@given(surname=st.text(min_size=1, max_size=40))
def test_after_shredding_nothing_of_the_subject_reads(surname):
    shredded, kept = PersonFactory(surname=surname), PersonFactory(surname="Kept")
    crypto.shred_subject(shredded.pk)
    with crypto.key_cache():
        loaded = Person.objects.get(pk=shredded.pk)
        for field in Person.ENCRYPTED_FIELDS:
            if loaded.__dict__[field] is None:
                continue  # an optional field never written (a reserve identity): nothing to read
            # The kernel refuses to decrypt; the model shows the fixed placeholder, never plaintext.
            with pytest.raises(crypto.SubjectShredded):
                crypto.decrypt_value(
                    bytes(loaded.__dict__[field]),
                    label="cases.person",
                    field=field,
                    pk=str(loaded.pk),
                    subject_id=loaded.pk,
                )
            assert getattr(loaded, field) in (str(crypto.ERASED), {})
        assert loaded.surname == str(crypto.ERASED)
        assert Person.objects.get(pk=kept.pk).surname == "Kept"
    # And no new key can ever be made for the subject.
    with pytest.raises(crypto.SubjectShredded):
        crypto.data_key(shredded.pk, create=True)


@pytest.mark.django_db
def test_shredding_takes_effect_inside_a_request_that_cached_the_key():
    person = PersonFactory(surname="Cached")
    with crypto.key_cache():
        assert Person.objects.get(pk=person.pk).surname == "Cached"
        crypto.shred_subject(person.pk)
        assert Person.objects.get(pk=person.pk).surname == str(crypto.ERASED)
        with pytest.raises(crypto.SubjectShredded):
            crypto.data_key(person.pk)


def test_key_material_never_shows_key_bytes(tmp_path):
    path = tmp_path / "k.json"
    keyfile.generate_file(path)
    material = keyfile.load(path, environ={})
    assert "master" not in repr(material).lower() or "versions=[1]" in repr(material)
    assert keyfile.encode_key(material.master_keys[1]) not in repr(material)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_keys_from_the_environment_take_precedence(tmp_path):
    environ = {
        "LOTSA_MASTER_KEY_1": keyfile.encode_key(keyfile.new_key()),
        "LOTSA_MASTER_KEY_2": keyfile.encode_key(keyfile.new_key()),
        "LOTSA_BLIND_INDEX_KEY": keyfile.encode_key(keyfile.new_key()),
    }
    material = keyfile.load(tmp_path / "absent.json", environ=environ)
    assert material.source == "environment" and material.current_version == 2
    with pytest.raises(keyfile.KeyConfigurationError):
        keyfile.load(tmp_path / "absent.json", environ={"LOTSA_MASTER_KEY_1": "tooshort"})
    with pytest.raises(keyfile.KeyConfigurationError):
        keyfile.load(tmp_path / "absent.json", environ={})


class _Sink:
    def write(self, *_):
        pass

    def flush(self):
        pass


@pytest.mark.django_db
def test_a_rotation_killed_midway_leaves_in_the_log_exactly_what_it_did(tmp_path, monkeypatch):
    """Each batch is recorded in the transaction that rewraps it: a run killed after two batches has
    said so, and the resumed run's events add up to the rest, never to a different number."""
    from audit.models import AccessEvent, Action

    def rewrapped(events) -> int:
        return sum(
            int(reason.split()[1])
            for reason in events.filter(action=Action.KEY_ROTATION).values_list("reason", flat=True)
            if reason.startswith("rewrapped ")
        )

    with using_key_file(tmp_path / "keys.json"):
        for i in range(7):
            PersonFactory(surname=f"P{i}")
        total = DataKey.objects.filter(wrapped_key__isnull=False).count()
        real, calls = crypto.rewrap_batch, []

        def killed_after_two(**kwargs):
            calls.append(1)
            if len(calls) > 2:
                raise KeyboardInterrupt
            return real(**kwargs)

        monkeypatch.setattr(crypto, "rewrap_batch", killed_after_two)
        with pytest.raises(KeyboardInterrupt):
            call_command("rotate_keys", "--no-progress", "--batch-size", "2", stdout=_Sink(), stderr=_Sink())
        version = crypto.key_material(reload=True).current_version
        moved = DataKey.objects.filter(master_version=version).count()
        assert moved == 4 and rewrapped(AccessEvent.objects.all()) == moved
        monkeypatch.setattr(crypto, "rewrap_batch", real)
        start = AccessEvent.objects.order_by("-id").first().pk
        call_command("rotate_keys", "--no-progress", "--batch-size", "2", stdout=_Sink(), stderr=_Sink())
        resumed = AccessEvent.objects.filter(pk__gt=start)
        assert rewrapped(resumed) == total - moved
        assert rewrapped(AccessEvent.objects.all()) == total
        assert resumed.filter(reason__startswith=f"rotation to v{version} resumed").exists()


def test_an_organisations_texts_are_bound_to_its_key_its_row_and_its_column(world):
    from coordination.models import DeidentifiedReport
    from coordination.tests.test_coordination import send

    first = send(world, description="Klotter vid fritidsgården.")
    other = send(world, administration_id=world.district_b.pk, area="Tensta")
    raw = bytes(DeidentifiedReport.objects.values_list("description", flat=True).get(pk=first.pk))
    assert raw[:1] == crypto.FORMAT_ORGANISATION_V1
    assert uuid.UUID(bytes=raw[1:17]) == crypto.organisation_key_id(world.district_a.pk)
    assert crypto.organisation_key_id(world.district_a.pk) != crypto.organisation_key_id(world.district_b.pk)
    assert DataKey.objects.filter(subject_id=crypto.organisation_key_id(world.district_a.pk)).exists()
    # Another organisation's row, another row of the same organisation, another column: all fail.
    moved = DeidentifiedReport.objects.get(pk=other.pk)
    moved.__dict__["description"] = raw
    with pytest.raises(crypto.DecryptionError):
        _ = moved.description
    second = DeidentifiedReport.objects.get(pk=send(world).pk)
    second.__dict__["description"] = raw
    with pytest.raises(crypto.DecryptionError):
        _ = second.description
    same = DeidentifiedReport.objects.get(pk=first.pk)
    same.__dict__["area"] = raw
    with pytest.raises(crypto.DecryptionError):
        _ = same.area
    # Read as a person's ciphertext (the format byte is bound too), it fails.
    with pytest.raises(crypto.DecryptionError, match="organisation's key"):
        crypto.decrypt_value(
            raw,
            label="coordination.deidentifiedreport",
            field="description",
            pk=str(first.row_key),
            subject_id=crypto.organisation_key_id(world.district_a.pk),
        )
    forged = crypto.FORMAT_V1 + raw[1:]
    same.__dict__["description"] = forged
    with pytest.raises(crypto.DecryptionError):
        _ = same.description
    assert DeidentifiedReport.objects.get(pk=first.pk).description == "Klotter vid fritidsgården."


@pytest.mark.django_db
def test_organisation_keys_are_rewrapped_by_a_master_key_rotation(tmp_path):
    from coordination.models import DeidentifiedReport
    from tests.factories import OrganisationFactory

    with using_key_file(tmp_path / "keys.json"):
        district = OrganisationFactory(kind="district_administration")
        report = DeidentifiedReport.objects.create(
            administration=district,
            from_unit=district,
            area="Kista",
            occurred_on=dt.date(2026, 3, 1),
            kind="concern",
            milieu="unclear",
            setting="school",
            age_band="13_15",
            description="Flygblad vid tunnelbanan.",
        )
        key_id = crypto.organisation_key_id(district.pk)
        before = crypto.key_material().current_version
        call_command("rotate_keys", "--no-progress", stdout=_Sink(), stderr=_Sink())
        assert DataKey.objects.get(subject_id=key_id).master_version == before + 1
        with crypto.key_cache():
            assert DeidentifiedReport.objects.get(pk=report.pk).description == "Flygblad vid tunnelbanan."
