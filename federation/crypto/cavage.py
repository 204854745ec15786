"""draft-cavage-http-signatures-12, the `Signature` header as Mastodon sends and expects it.

    Signature: keyId="https://host/users/name#main-key",algorithm="rsa-sha256",
               headers="(request-target) host date digest",signature="base64…"

The signing string is one "name: value" line per signed header, in the order of `headers`;
`(request-target)` is the lower-cased method and the path with query, `(created)`/`(expires)` the
integer parameters of the same names.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from .algorithms import RSA_V1_5_SHA256, algorithms_for_key, check_algorithm, sign_with, verify_with
from .digest import check_body_digest, digest_header
from .errors import InsufficientCoverage, InvalidSignature, MalformedSignature, MissingSignature, UnsupportedAlgorithm
from .keys import PrivateKey, PrivateKeyLike, PublicKey, PublicKeyLike, load_private_key, load_public_key
from .message import (
    DEFAULT_WINDOW,
    HeaderFields,
    Headers,
    Scheme,
    VerifiedSignature,
    authority,
    check_expiry,
    check_freshness,
    from_timestamp,
    http_date,
    parse_http_date,
    request_target,
    utc_now,
    with_overrides,
)

RSA_SHA256 = "rsa-sha256"
HS2019 = "hs2019"
REQUEST_TARGET = "(request-target)"
CREATED = "(created)"
EXPIRES = "(expires)"
DEFAULT_SIGNED_HEADERS = (REQUEST_TARGET, "host", "date")
"""Signed by default; "digest" is added when there is a body (Mastodon's choice)."""

# One `name=value` or `name="quoted \" value"` parameter, followed by a comma or the end.
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s",]*))\s*(?:,|$)')
_INTEGER = re.compile(r"[0-9]{1,15}")


@dataclass(frozen=True)
class CavageSignature:
    """The parameters of a draft-cavage `Signature` header."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: int | None = None


def signature_header(fields: HeaderFields) -> str | None:
    """The signature parameters: the `Signature` header, or `Authorization: Signature …`."""
    value = fields.get("signature")
    if value is not None:
        return value
    authorization = fields.get("authorization") or ""
    scheme, _, params = authorization.partition(" ")
    return params if scheme.lower() == "signature" else None


def _split_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if match is None or match.end() == pos:
            raise MalformedSignature(f"cannot parse Signature header near {value[pos:pos + 40]!r}")
        name, quoted, bare = match.groups()
        if name in params:
            raise MalformedSignature(f"Signature header repeats {name!r}")
        params[name] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        pos = match.end()
    return params


def _integer(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not _INTEGER.fullmatch(value):
        raise MalformedSignature(f"Signature parameter {name} is not an integer: {value!r}")
    return int(value)


def parse_signature_header(value: str) -> CavageSignature:
    """Parse `Signature` header parameters (quoted values may contain commas and escaped quotes)."""
    params = _split_params(value.strip())
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise MalformedSignature(f"Signature header has no {required}")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except binascii.Error as exc:
        raise MalformedSignature("signature is not base64") from exc
    # Without `headers`, only Date is signed (what Mastodon assumes; the policy then refuses it).
    headers = tuple(params.get("headers", "date").lower().split())
    if not headers:
        raise MalformedSignature("Signature header has an empty headers list")
    algorithm = params.get("algorithm")
    return CavageSignature(
        key_id=params["keyId"],
        algorithm=algorithm.lower() if algorithm else None,
        headers=headers,
        signature=signature,
        created=_integer(params, "created"),
        expires=_integer(params, "expires"),
    )


def _resolve_algorithm(declared: str | None, key: PublicKey | PrivateKey) -> str:
    """The algorithm to check with: rsa-sha256 needs an RSA key; hs2019 (or none) follows the key."""
    if declared == RSA_SHA256:
        check_algorithm(RSA_V1_5_SHA256, key)
        return RSA_V1_5_SHA256
    if declared in (None, HS2019):
        return algorithms_for_key(key)[0]
    raise UnsupportedAlgorithm(f"unsupported draft-cavage algorithm {declared!r}")


def signing_string(
    signed: Sequence[str],
    method: str,
    url: str,
    fields: HeaderFields,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The string a draft-cavage signature covers. Raises `InvalidSignature` for an absent header."""
    lines = []
    for name in signed:
        if name == REQUEST_TARGET:
            value = f"{method.lower()} {request_target(url)}"
        elif name in (CREATED, EXPIRES):
            number = created if name == CREATED else expires
            if number is None:
                raise MalformedSignature(f"{name} is signed but the parameter is missing")
            value = str(number)
        else:
            header = fields.get(name)
            if header is None:
                raise InvalidSignature(f"signed header {name!r} is absent from the request")
            value = header
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sign_cavage(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    key_id: str,
    private_key: PrivateKeyLike,
    *,
    signed_headers: Sequence[str] | None = None,
    now: datetime | None = None,
    expires: datetime | None = None,
) -> dict[str, str]:
    """Sign a request the way Mastodon does; returns the headers to add to it.

    `url` is the absolute URL requested. Host and Date are returned unless `headers` already has
    them; Digest (SHA-256) whenever there is a body. RSA keys sign as "rsa-sha256", Ed25519 keys
    (and signatures covering `(created)`/`(expires)`) as "hs2019". `expires` sets the `expires`
    parameter; sign `(expires)` to protect it.
    """
    key = load_private_key(private_key)
    moment = utc_now(now)
    given = HeaderFields(headers)
    added: dict[str, str] = {}
    if "host" not in given:
        added["Host"] = authority(url)
    if "date" not in given:
        added["Date"] = http_date(moment)
    if body is not None:
        added["Digest"] = digest_header(body)
    if signed_headers is None:
        signed = DEFAULT_SIGNED_HEADERS + (("digest",) if body is not None else ())
    else:
        signed = tuple(name.lower() for name in signed_headers)
    created = int(moment.timestamp()) if CREATED in signed else None
    expires_at = int(expires.timestamp()) if expires is not None else None
    uses_pseudo = created is not None or EXPIRES in signed
    algorithm_name = RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) and not uses_pseudo else HS2019
    fields = with_overrides(headers, added)
    text = signing_string(signed, method, url, fields, created, expires_at)
    signature = sign_with(_resolve_algorithm(algorithm_name, key), key, text.encode("utf-8"))
    params = [f"keyId={_quote(key_id)}", f'algorithm="{algorithm_name}"']
    if created is not None:
        params.append(f"created={created}")
    if expires_at is not None:
        params.append(f"expires={expires_at}")
    params += [f'headers="{" ".join(signed)}"', f'signature="{base64.b64encode(signature).decode("ascii")}"']
    added["Signature"] = ",".join(params)
    return added


def _check_coverage(signed: Sequence[str]) -> None:
    """The signature must bind the target, the host and a time (the digest is checked later)."""
    missing = [name for name in (REQUEST_TARGET, "host") if name not in signed]
    if "date" not in signed and CREATED not in signed:
        missing.append("date or (created)")
    if missing:
        raise InsufficientCoverage(f"the signature does not cover {', '.join(missing)}")


def verify_cavage(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    public_key: PublicKeyLike,
    *,
    now: datetime | None = None,
    window: float = DEFAULT_WINDOW,
) -> VerifiedSignature:
    """Verify a draft-cavage signature; returns what it established or raises a `SignatureError`.

    `url` is the request target as received (path and query; a full URL also works). The signature
    must cover (request-target), host, date or (created), and digest when there is a body; the
    signed Date/created must lie within `window` seconds of `now`, and the digest match `body`.
    """
    fields = HeaderFields(headers)
    value = signature_header(fields)
    if value is None:
        raise MissingSignature("the request has no Signature header")
    parsed = parse_signature_header(value)
    key = load_public_key(public_key)
    algorithm = _resolve_algorithm(parsed.algorithm, key)
    if parsed.algorithm == RSA_SHA256 and (CREATED in parsed.headers or EXPIRES in parsed.headers):
        raise MalformedSignature("(created) and (expires) cannot be signed with rsa-sha256")
    _check_coverage(parsed.headers)

    moment = utc_now(now)
    created = None
    if CREATED in parsed.headers:
        if parsed.created is None:
            raise MalformedSignature("(created) is signed but the created parameter is missing")
        created = from_timestamp(parsed.created)
        check_freshness("created", created, moment, window)
    if "date" in parsed.headers:
        date_value = fields.get("date")
        if date_value is None:
            raise InvalidSignature("signed header 'date' is absent from the request")
        date = parse_http_date(date_value)
        check_freshness("Date", date, moment, window)
        created = created or date
    if EXPIRES in parsed.headers and parsed.expires is None:
        raise MalformedSignature("(expires) is signed but the expires parameter is missing")
    expires = from_timestamp(parsed.expires) if parsed.expires is not None else None
    check_expiry(expires, moment)
    check_body_digest(fields, body, parsed.headers, required=bool(body))

    text = signing_string(parsed.headers, method, url, fields, parsed.created, parsed.expires)
    verify_with(algorithm, key, parsed.signature, text.encode("utf-8"))
    return VerifiedSignature(
        scheme=Scheme.CAVAGE,
        key_id=parsed.key_id,
        algorithm=parsed.algorithm or HS2019,
        covered=parsed.headers,
        created=created,
        expires=expires,
    )
