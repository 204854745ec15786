"""RFC 9421 HTTP Message Signatures for requests: `Signature-Input` and `Signature`.

    Signature-Input: sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="…";alg="ed25519"
    Signature: sig1=:base64…:

The signature base (§2.5) is one `"identifier": value` line per covered component, then the
`"@signature-params"` line holding the serialized Signature-Input member. Supported components:
the derived @method, @target-uri, @authority, @scheme, @request-target, @path and @query, and
header fields without component parameters.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .algorithms import algorithms_for_key, check_algorithm, sign_with, verify_with
from .digest import check_body_digest, content_digest_header
from .errors import (
    InsufficientCoverage,
    InvalidSignature,
    MalformedSignature,
    MissingSignature,
    UnsupportedComponent,
)
from .keys import PrivateKeyLike, PublicKeyLike, load_private_key, load_public_key
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
    request_target,
    utc_now,
    with_overrides,
)
from .structured import InnerList, Item, Parameters, Token, parse_dictionary, serialize_inner_list, serialize_item

DEFAULT_LABEL = "sig1"
DERIVED_COMPONENTS = ("@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query")


@dataclass(frozen=True)
class Rfc9421Signature:
    """One signature of a request: its label, covered components with parameters, and value."""

    label: str
    covered: InnerList
    signature: bytes
    key_id: str | None
    alg: str | None
    created: int | None
    expires: int | None

    @property
    def components(self) -> tuple[str, ...]:
        """The covered component names, e.g. ("@method", "@target-uri", "content-digest")."""
        return tuple(str(item.value) for item in self.covered.items)


def _validate_components(covered: InnerList) -> None:
    """Check that component identifiers are well-formed, distinct and supported."""
    seen = set()
    for item in covered.items:
        if not isinstance(item.value, str) or isinstance(item.value, Token):
            raise MalformedSignature("component identifiers must be quoted strings")
        identifier = serialize_item(item)
        if identifier in seen:
            raise MalformedSignature(f"component {identifier} is covered twice")
        seen.add(identifier)
        if item.params:
            raise UnsupportedComponent(f"component parameters are not supported: {identifier}")
        name = item.value
        if name.startswith("@") and name not in DERIVED_COMPONENTS:
            raise UnsupportedComponent(f"unsupported derived component {name}")
        if name != name.lower():
            raise MalformedSignature(f"field names must be lower-case: {name}")


def _int_param(params: Parameters, name: str) -> int | None:
    value = params.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise MalformedSignature(f"signature parameter {name} must be an integer")
    return value


def _str_param(params: Parameters, name: str) -> str | None:
    value = params.get(name)
    if value is not None and (isinstance(value, Token) or not isinstance(value, str)):
        raise MalformedSignature(f"signature parameter {name} must be a string")
    return value


def parse_signature(fields: HeaderFields, label: str | None = None) -> Rfc9421Signature:
    """The signature labelled `label` (default: the first in Signature-Input) of a request."""
    signature_input, signature = fields.get("signature-input"), fields.get("signature")
    if signature_input is None or signature is None:
        raise MissingSignature("the request lacks Signature-Input or Signature")
    try:
        inputs, values = parse_dictionary(signature_input), parse_dictionary(signature)
    except ValueError as exc:
        raise MalformedSignature(f"cannot parse signature fields: {exc}") from exc
    if not inputs:
        raise MissingSignature("Signature-Input is empty")
    chosen = label if label is not None else next(iter(inputs))
    covered, value = inputs.get(chosen), values.get(chosen)
    if covered is None or value is None:
        raise MissingSignature(f"no signature labelled {chosen!r} in both Signature-Input and Signature")
    if not isinstance(covered, InnerList):
        raise MalformedSignature(f"Signature-Input {chosen} is not an inner list")
    if not isinstance(value, Item) or not isinstance(value.value, bytes):
        raise MalformedSignature(f"Signature {chosen} is not a byte sequence")
    _validate_components(covered)
    params = covered.params
    return Rfc9421Signature(
        label=chosen,
        covered=covered,
        signature=value.value,
        key_id=_str_param(params, "keyid"),
        alg=_str_param(params, "alg"),
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
    )


def _component_value(name: str, method: str, url: str, fields: HeaderFields) -> str:
    parts = urlsplit(url)
    match name:
        case "@method":
            return method
        case "@target-uri":
            return url
        case "@authority":
            return authority(url)
        case "@scheme":
            return parts.scheme.lower()
        case "@request-target":
            return request_target(url)
        case "@path":
            return parts.path or "/"
        case "@query":
            return f"?{parts.query}"
    value = fields.get(name)
    if value is None:
        raise InvalidSignature(f"covered field {name!r} is absent from the request")
    return value


def signature_base(covered: InnerList, method: str, url: str, fields: HeaderFields) -> str:
    """The signature base of RFC 9421 §2.5 (lines joined by LF, no trailing newline).

    `url` is the absolute target URI; `covered` is the (validated) Signature-Input member.
    """
    lines = [
        f"{serialize_item(item)}: {_component_value(str(item.value), method, url, fields)}" for item in covered.items
    ]
    lines.append(f'"@signature-params": {serialize_inner_list(covered)}')
    return "\n".join(lines)


def default_components(body: bytes | None) -> tuple[str, ...]:
    """What `sign_rfc9421` covers unless told otherwise."""
    return ("@method", "@target-uri") + (("content-digest",) if body is not None else ())


def sign_rfc9421(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    key_id: str,
    private_key: PrivateKeyLike,
    *,
    components: Sequence[str] | None = None,
    label: str = DEFAULT_LABEL,
    algorithm: str | None = None,
    include_alg: bool = True,
    now: datetime | None = None,
    expires: datetime | None = None,
) -> dict[str, str]:
    """Sign a request per RFC 9421; returns the headers to add (Signature-Input, Signature and,
    when `content-digest` is covered and there is a body, Content-Digest).

    `url` is the absolute target URI. `algorithm` defaults to rsa-v1_5-sha256 for RSA keys and
    ed25519 for Ed25519 keys (rsa-pss-sha512 on request); `include_alg=False` leaves the `alg`
    parameter out. Covered header fields must be in `headers` (or be the added Content-Digest).
    """
    key = load_private_key(private_key)
    chosen = algorithm or algorithms_for_key(key)[0]
    check_algorithm(chosen, key)
    covered_names = tuple(components) if components is not None else default_components(body)
    added: dict[str, str] = {}
    if body is not None and "content-digest" in covered_names:
        added["Content-Digest"] = content_digest_header(body)
    fields = with_overrides(headers, added)
    absent = [name for name in covered_names if not name.startswith("@") and name not in fields]
    if absent:
        raise ValueError(f"covered header fields missing from the request: {', '.join(absent)}")

    params: Parameters = {"created": int(utc_now(now).timestamp())}
    if expires is not None:
        params["expires"] = int(expires.timestamp())
    params["keyid"] = key_id
    if include_alg:
        params["alg"] = chosen
    covered = InnerList(tuple(Item(name) for name in covered_names), params)
    _validate_components(covered)
    signature = sign_with(chosen, key, signature_base(covered, method, url, fields).encode("utf-8"))
    added["Signature-Input"] = f"{label}={serialize_inner_list(covered)}"
    added["Signature"] = f"{label}=:{base64.b64encode(signature).decode('ascii')}:"
    return added


def _check_coverage(components: Sequence[str]) -> None:
    """The signature must bind the method and the target (the digest is checked later)."""
    names = set(components)
    missing = []
    if "@method" not in names:
        missing.append("@method")
    has_target = "@target-uri" in names or bool(
        names & {"@authority", "host"} and names & {"@path", "@request-target"}
    )
    if not has_target:
        missing.append("@target-uri (or @authority with @path)")
    if missing:
        raise InsufficientCoverage(f"the signature does not cover {', '.join(missing)}")


def verify_rfc9421(
    method: str,
    url: str,
    headers: Headers,
    body: bytes | None,
    public_key: PublicKeyLike,
    *,
    label: str | None = None,
    now: datetime | None = None,
    window: float = DEFAULT_WINDOW,
    enforce_coverage: bool = True,
) -> VerifiedSignature:
    """Verify an RFC 9421 signature of a request; returns what it established or raises a `SignatureError`.

    `url` is the absolute target URI as received. `label` picks one of several signatures (default:
    the first). The `created` parameter must lie within `window` seconds of `now`, `expires` (if
    any) must not have passed, and covered digests must match `body`. Without `alg`, the key decides:
    Ed25519 keys use ed25519, RSA keys rsa-v1_5-sha256 or rsa-pss-sha512.

    With `enforce_coverage` (the default, for inbox use) the signature must also cover @method,
    the target (@target-uri, or @authority with @path or @request-target), content-digest when there
    is a body, and carry `created`. Turn it off only to check signatures made for other policies,
    such as the RFC's own examples.
    """
    fields = HeaderFields(headers)
    parsed = parse_signature(fields, label)
    if parsed.key_id is None:
        raise MalformedSignature("the signature has no keyid parameter")
    key = load_public_key(public_key)
    if parsed.alg is not None:
        check_algorithm(parsed.alg, key)
    candidates = (parsed.alg,) if parsed.alg is not None else algorithms_for_key(key)
    if enforce_coverage:
        _check_coverage(parsed.components)
        if parsed.created is None:
            raise InsufficientCoverage("the signature has no created parameter")

    moment = utc_now(now)
    created = from_timestamp(parsed.created) if parsed.created is not None else None
    if created is not None:
        check_freshness("created", created, moment, window)
    expires = from_timestamp(parsed.expires) if parsed.expires is not None else None
    check_expiry(expires, moment)
    check_body_digest(fields, body, parsed.components, required=enforce_coverage and bool(body))

    base = signature_base(parsed.covered, method, url, fields).encode("utf-8")
    for algorithm in candidates:
        try:
            verify_with(algorithm, key, parsed.signature, base)
        except InvalidSignature:
            continue
        return VerifiedSignature(
            scheme=Scheme.RFC9421,
            key_id=parsed.key_id,
            algorithm=algorithm,
            covered=tuple(serialize_item(item) for item in parsed.covered.items),
            created=created,
            expires=expires,
            label=parsed.label,
        )
    raise InvalidSignature("the signature does not match the key")
