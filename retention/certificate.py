"""The destruction certificate: what a carried-out list erased, under which rules, approved by whom and
when; signed with Ed25519 and sealed into the access log.

The body is canonical JSON (sorted keys, no spaces) naming the unit's records by their opaque subject
ids (the access log's), with record counts and rule ids, never a name or a number. Its SHA-256 digest
is signed with ``LOTSA_RETENTION_CERTIFICATE_KEY_FILE`` (a key of its own, read by the scheduled work;
never the anchor key, which stays with the sealer) and written into the reason of an access event
(``Action.SHRED``, target the certificate), so the access log's hash chain, its seals and anchors bind
it: a certificate changed or removed afterwards no longer matches its event, and an event removed
breaks the chain.

:func:`verify` (``manage.py retention_verify_certificate``) checks the signature, the digest, and that
the event carrying it is in the log, or, once the log's oldest events are pruned, that a signed pruning
record removed it.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from django.conf import settings

from audit import pruning
from audit import services as audit
from audit.anchors import key_id
from audit.models import AccessEvent, Action, Pruning
from lotsa import keyfile
from retention.models import Certificate

PREFIX = "destruction certificate sha256:"
# What is signed: the digest behind this domain's tag, so that a signature by the key (which may be
# the access log's anchor key) over anything else can never pass for a certificate, nor one for it.
DOMAIN = b"lotsa destruction certificate v1|"


class CertificateError(Exception):
    """The certificate does not verify."""


def canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def signed_message(digest: str) -> bytes:
    return DOMAIN + digest.encode()


def issue(*, destruction_list, body: dict, now) -> Certificate:
    """Sign the body, keep it, and seal its digest into the access log (in the caller's transaction)."""
    private = keyfile.load_anchor_private(settings.LOTSA_RETENTION_CERTIFICATE_KEY_FILE)
    text = canonical(body)
    digest = digest_of(text)
    certificate = Certificate.objects.create(
        destruction_list=destruction_list,
        issued_at=now,
        body=text,
        digest=digest,
        signature=base64.b64encode(private.sign(signed_message(digest))).decode(),
        key_id=key_id(private.public_key()),
    )
    event = audit.record(
        action=Action.SHRED,
        target=certificate,
        actor_username="retention",
        purpose="retention",
        reason=f"{PREFIX}{digest}",
    )
    Certificate.objects.filter(pk=certificate.pk).update(sealed_by=event.pk)
    certificate.sealed_by = event.pk
    return certificate


def verify(certificate: Certificate) -> dict:
    """The certificate's body, if it verifies; else :class:`CertificateError` naming what fails."""
    public = keyfile.load_anchor_public(settings.LOTSA_RETENTION_CERTIFICATE_PUBLIC_KEY_FILE)
    if digest_of(certificate.body) != certificate.digest:
        raise CertificateError("the body does not match its digest")
    if key_id(public) != certificate.key_id:
        raise CertificateError("signed with another key than the one given")
    try:
        public.verify(base64.b64decode(certificate.signature), signed_message(certificate.digest))
    except (InvalidSignature, ValueError) as error:
        raise CertificateError("the signature does not verify") from error
    seal_of(certificate)
    return json.loads(certificate.body)


def seal_of(certificate: Certificate) -> str:
    """What seals the certificate into the access log: its event, or, once the log's oldest events
    are pruned (audit/retention.py), the signed pruning record that removed it. Raises
    :class:`CertificateError` if neither."""
    sealed = AccessEvent.objects.filter(
        pk=certificate.sealed_by,
        target_type=Certificate._meta.label_lower,
        target_id=str(certificate.pk),
        reason=f"{PREFIX}{certificate.digest}",
    ).exists()
    if sealed:
        return f"event {certificate.sealed_by}"
    oldest = AccessEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    covering = (
        Pruning.objects.filter(last_event_id__gte=certificate.sealed_by or 0).order_by("n").first()
        if certificate.sealed_by is not None and (oldest is None or certificate.sealed_by < oldest)
        else None
    )
    if covering is None:
        raise CertificateError("no event of the access log carries its digest")
    try:  # the pruning records, every one: hash, chain, and the anchor key's signature
        pruning.check(keyfile.load_anchor_public(settings.LOTSA_AUDIT_ANCHOR_PUBLIC_KEY_FILE))
    except pruning.PruningError as error:
        raise CertificateError(f"its event was pruned, and the pruning records fail: {error}") from error
    return f"an event pruned under pruning record {covering.n} (signed)"
