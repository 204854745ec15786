"""Body digests: `Digest` (RFC 3230, sent by draft-cavage signers such as Mastodon) and
`Content-Digest` (RFC 9530, used with RFC 9421). SHA-256 and SHA-512 are accepted."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Collection

from .errors import DigestMismatch, MalformedSignature, MissingDigest, UnsupportedAlgorithm
from .message import HeaderFields, Headers
from .structured import Item, parse_dictionary

_HASHES = {"sha-256": "sha256", "sha-512": "sha512"}  # digest algorithm -> hashlib name
DIGEST_HEADERS = ("digest", "content-digest")


def _hash(algorithm: str, body: bytes) -> bytes:
    if algorithm not in _HASHES:
        raise UnsupportedAlgorithm(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(_HASHES[algorithm], body).digest()


def digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """The `Digest` header value for `body`, e.g. "SHA-256=X48E9q…="."""
    encoded = base64.b64encode(_hash(algorithm, body)).decode("ascii")
    return f"{algorithm.upper()}={encoded}"


def content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """The `Content-Digest` header value for `body`, e.g. "sha-256=:X48E9q…=:"."""
    encoded = base64.b64encode(_hash(algorithm, body)).decode("ascii")
    return f"{algorithm}=:{encoded}:"


def _parse_digest(value: str) -> dict[str, bytes]:
    digests: dict[str, bytes] = {}
    for entry in value.split(","):
        algorithm, sep, encoded = entry.strip().partition("=")
        if not sep or not algorithm:
            raise MalformedSignature(f"malformed Digest header {value!r}")
        try:
            digests[algorithm.lower()] = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise MalformedSignature(f"Digest value for {algorithm} is not base64") from exc
    return digests


def _parse_content_digest(value: str) -> dict[str, bytes]:
    try:
        members = parse_dictionary(value)
    except ValueError as exc:
        raise MalformedSignature(f"malformed Content-Digest header: {exc}") from exc
    digests: dict[str, bytes] = {}
    for algorithm, member in members.items():
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise MalformedSignature(f"Content-Digest {algorithm} is not a byte sequence")
        digests[algorithm] = member.value
    return digests


def _compare(header: str, digests: dict[str, bytes], body: bytes) -> None:
    usable = {algorithm: value for algorithm, value in digests.items() if algorithm in _HASHES}
    if not usable:
        raise UnsupportedAlgorithm(f"{header} offers no supported algorithm ({', '.join(digests)})")
    for algorithm, expected in usable.items():
        if not hmac.compare_digest(expected, _hash(algorithm, body)):
            raise DigestMismatch(f"{header} {algorithm} does not match the body")


def verify_digest_header(value: str, body: bytes) -> None:
    """Check a `Digest` header value against `body` (every supported algorithm it lists must match)."""
    _compare("Digest", _parse_digest(value), body)


def verify_content_digest(value: str, body: bytes) -> None:
    """Check a `Content-Digest` header value against `body` (every supported algorithm must match)."""
    _compare("Content-Digest", _parse_content_digest(value), body)


def verify_digest(headers: Headers, body: bytes) -> None:
    """Check whichever of `Digest` and `Content-Digest` the request has (both, if both are present).

    Raises `MissingDigest` when it has neither, `DigestMismatch` when one does not match.
    """
    fields = HeaderFields(headers)
    check_body_digest(fields, body, covered=[name for name in DIGEST_HEADERS if name in fields], required=True)


def check_body_digest(fields: HeaderFields, body: bytes | None, covered: Collection[str], required: bool) -> None:
    """Verify each digest header named in `covered` (the signed headers) against `body`.

    `required` demands at least one (a request with a body must sign its content through a digest);
    a signed digest header that the request lacks is a `MissingDigest` as well.
    """
    names = [name for name in DIGEST_HEADERS if name in covered]
    if required and not names:
        raise MissingDigest("the request has a body but no signed Digest or Content-Digest header")
    for name in names:
        value = fields.get(name)
        if value is None:
            raise MissingDigest(f"the signed {name} header is absent")
        if name == "digest":
            verify_digest_header(value, body or b"")
        else:
            verify_content_digest(value, body or b"")
