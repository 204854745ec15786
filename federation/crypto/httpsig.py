"""One entry point for the inbox: which scheme a request is signed with, by which key, and is it valid."""

from __future__ import annotations

from datetime import datetime

from . import cavage, rfc9421
from .errors import MalformedSignature, MissingSignature
from .keys import PublicKeyLike
from .message import DEFAULT_WINDOW, HeaderFields, Headers, Scheme, VerifiedSignature


def detect_scheme(headers: Headers) -> Scheme | None:
    """RFC9421 when the request has Signature-Input, CAVAGE when it has only a Signature header
    (or `Authorization: Signature …`), None when it is unsigned."""
    fields = HeaderFields(headers)
    if "signature-input" in fields:
        return Scheme.RFC9421
    if cavage.signature_header(fields) is not None:
        return Scheme.CAVAGE
    return None


def extract_key_id(headers: Headers, label: str | None = None) -> str:
    """The key id a request claims to be signed with, without verifying anything.

    For RFC 9421, `label` picks the signature (default: the first). Raises `MissingSignature` or
    `MalformedSignature`.
    """
    fields = HeaderFields(headers)
    scheme = detect_scheme(headers)
    if scheme is Scheme.RFC9421:
        key_id = rfc9421.parse_signature(fields, label).key_id
        if not key_id:
            raise MalformedSignature("the signature has no keyid parameter")
        return key_id
    value = cavage.signature_header(fields)
    if value is None:
        raise MissingSignature("the request is not signed")
    return cavage.parse_signature_header(value).key_id


def verify_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    public_key: PublicKeyLike,
    *,
    now: datetime | None = None,
    window: float = DEFAULT_WINDOW,
) -> VerifiedSignature:
    """Verify a request signed with either scheme, under the inbox policy of each.

    `url` is the absolute URL as received (scheme and authority as the client addressed them).
    Raises a `SignatureError` subclass on any failure.
    """
    match detect_scheme(headers):
        case Scheme.RFC9421:
            return rfc9421.verify_rfc9421(method, url, headers, body, public_key, now=now, window=window)
        case Scheme.CAVAGE:
            return cavage.verify_cavage(method, url, headers, body, public_key, now=now, window=window)
    raise MissingSignature("the request is not signed")
