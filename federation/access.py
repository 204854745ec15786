"""Who is asking: HTTP-signature checks for GETs in secure mode ("authorized fetch"), reusable by
the inbox.

With settings.FEDERATION_AUTHORIZED_FETCH on, GETs of actor documents (except the instance
actor's), collections and activities must be signed (draft-cavage or RFC 9421) with the key of a
remote actor we have cached, from a domain that passes the instance policy. WebFinger, host-meta,
NodeInfo and the instance actor stay public so that other servers can bootstrap: they sign their
fetches with their own instance actor's key, which they find there.

Decisions:
- The signature is verified against settings.WEERBAAR_URL + request.get_full_path(), never the
  Host header or the scheme the request arrived with: behind a TLS proxy those differ from what
  the client signed, and the public URL is what every client addresses.
- Keys are looked up in the RemoteActor cache only (by `key_id`, or a FEP-521a key listed in the
  cached document). A key we do not have is answered with 401 and no remote I/O happens in the
  request; the key gets cached when that server's actor is fetched for another reason (it
  delivers to us, or we follow it), after which its retried GETs succeed.
- The domain of the key is checked before the key is looked up or any cryptography is done, so a
  blocked server gets 403 whether or not we know its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .crypto import (
    PublicKey,
    SignatureError,
    VerifiedSignature,
    detect_scheme,
    ed25519_public_key_from_multibase,
    extract_key_id,
    load_public_key,
    verify_request,
)
from .models import RemoteActor
from .policy import DomainRefused, check_domain, domain_of


@dataclass(frozen=True)
class VerifiedRequester:
    """The server (and actor) a request was verifiably signed by."""

    key_id: str
    actor_uri: str
    domain: str
    signature: VerifiedSignature


class AccessDenied(Exception):
    """The request may not see the resource. `status` is the HTTP answer, `reason` a stable code."""

    status = 401
    reason = "unauthorized"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.reason)
        self.detail = detail or self.reason


class SignatureRequired(AccessDenied):
    """The request is not signed."""

    reason = "signature_required"


class SignatureRejected(AccessDenied):
    """The signature is malformed, stale, does not cover enough, or does not verify."""

    reason = "signature_rejected"

    def __init__(self, error: SignatureError | str) -> None:
        super().__init__(error.detail if isinstance(error, SignatureError) else error)
        if isinstance(error, SignatureError):
            self.reason = error.reason


class UnknownKey(AccessDenied):
    """Signed with a key that is not in our cache. `.key_id` names it (the inbox can fetch it later)."""

    reason = "unknown_key"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"key {key_id} is not known here; it is not fetched during the request")
        self.key_id = key_id


class DomainBlocked(AccessDenied):
    """The signing server's domain is blocked, or not on the allow-list."""

    status = 403
    reason = "domain_blocked"

    def __init__(self, refused: DomainRefused) -> None:
        super().__init__(str(refused))
        self.domain = refused.domain


def signed_url(request: HttpRequest) -> str:
    """The absolute URL a client signed: our public base URL plus the path and query received."""
    return settings.WEERBAAR_URL + request.get_full_path()


@lru_cache(maxsize=1024)
def _load_pem(pem: str) -> PublicKey:
    return load_public_key(pem)


def _multikey(document: dict, key_id: str, controller: str) -> PublicKey | None:
    """A FEP-521a Multikey with this id in a cached actor document, controlled by that actor."""
    methods = document.get("assertionMethod") or []
    for method in methods if isinstance(methods, list) else [methods]:
        if (isinstance(method, dict) and method.get("id") == key_id
                and method.get("controller") == controller and method.get("publicKeyMultibase")):
            return ed25519_public_key_from_multibase(method["publicKeyMultibase"])
    return None


def lookup_key(key_id: str) -> tuple[str, PublicKey]:
    """(owner actor URI, public key) of a cached remote key. Raises UnknownKey or SignatureRejected."""
    try:
        row = (RemoteActor.objects.filter(key_id=key_id, deleted_at__isnull=True)
               .exclude(public_key_pem="").values_list("uri", "public_key_pem").first())
        if row is not None:
            return row[0], _load_pem(row[1])
        owner = key_id.split("#", 1)[0]
        document = (RemoteActor.objects.filter(uri=owner, deleted_at__isnull=True)
                    .values_list("document", flat=True).first())
        key = _multikey(document, key_id, owner) if isinstance(document, dict) else None
    except SignatureError as exc:  # the cached key does not load
        raise SignatureRejected(exc) from exc
    if key is None:
        raise UnknownKey(key_id)
    return owner, key


def _check_domain(domain: str) -> None:
    try:
        check_domain(domain)
    except DomainRefused as refused:
        raise DomainBlocked(refused) from refused


def verify_signed_request(request: HttpRequest, body: bytes | None = None) -> VerifiedRequester:
    """Verify the request's HTTP signature against a cached remote key and the instance policy.

    `body` is the request body for POSTs (None for GET/HEAD). Raises an AccessDenied subclass:
    SignatureRequired, SignatureRejected, UnknownKey (all 401) or DomainBlocked (403).
    """
    if detect_scheme(request.headers) is None:
        raise SignatureRequired("this resource needs an HTTP signature")
    try:
        key_id = extract_key_id(request.headers)
    except SignatureError as exc:
        raise SignatureRejected(exc) from exc
    key_domain = domain_of(key_id)
    if not key_domain:
        raise SignatureRejected(f"keyId {key_id!r} is not an http(s) URL")
    _check_domain(key_domain)
    actor_uri, public_key = lookup_key(key_id)
    try:
        verified = verify_request(request.method, signed_url(request), request.headers, body, public_key,
                                  window=settings.FEDERATION_SIGNATURE_WINDOW)
    except SignatureError as exc:
        raise SignatureRejected(exc) from exc
    actor_domain = domain_of(actor_uri)
    if actor_domain != key_domain:
        _check_domain(actor_domain)
    return VerifiedRequester(key_id=key_id, actor_uri=actor_uri, domain=key_domain, signature=verified)


def denied_response(denied: AccessDenied) -> HttpResponse:
    """The JSON error answer for a refused request; 401s tell the client how to sign."""
    response = JsonResponse({"error": denied.reason, "detail": denied.detail}, status=denied.status)
    if denied.status == 401:
        response["WWW-Authenticate"] = (
            f'Signature realm="{settings.WEERBAAR_DOMAIN}",headers="(request-target) host date"'
        )
    return response


def authorized_fetch_denial(request: HttpRequest) -> HttpResponse | None:
    """In secure mode: the refusal for a request that is not properly signed, else None.

    Outside secure mode every request passes. A verified requester is kept on
    `request.federation_requester` for views that want to know who asked.
    """
    if not settings.FEDERATION_AUTHORIZED_FETCH:
        return None
    try:
        request.federation_requester = verify_signed_request(request)
    except AccessDenied as denied:
        return denied_response(denied)
    return None
