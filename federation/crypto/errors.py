"""Why a signature, digest or key was refused.

Every exception derives from `SignatureError` and carries a stable `reason` code, so the inbox can
answer 401 with a clear, machine-readable cause and log the human-readable detail.
"""

from __future__ import annotations

from typing import ClassVar


class SignatureError(Exception):
    """The request's signature (or the key or digest it relies on) cannot be accepted."""

    reason: ClassVar[str] = "signature_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.reason)
        self.detail = detail or self.reason


class MissingSignature(SignatureError):
    """The request carries no signature of a scheme this module understands."""

    reason = "missing_signature"


class MalformedSignature(SignatureError):
    """A signature header is present but cannot be parsed, or misses a required parameter."""

    reason = "malformed_signature"


class UnsupportedComponent(MalformedSignature):
    """An RFC 9421 signature covers a component (or component parameter) this module cannot rebuild."""

    reason = "unsupported_component"


class UnsupportedAlgorithm(SignatureError):
    """The signature or digest names an algorithm this module does not accept."""

    reason = "unsupported_algorithm"


class InsufficientCoverage(SignatureError):
    """The signature is valid in form but does not cover what the policy requires."""

    reason = "insufficient_coverage"


class MissingDigest(SignatureError):
    """The request has a body but no (signed) Digest or Content-Digest header."""

    reason = "missing_digest"


class DigestMismatch(SignatureError):
    """The Digest or Content-Digest header does not match the received body."""

    reason = "digest_mismatch"


class DateOutOfWindow(SignatureError):
    """The signed Date or `created` time is too far from now (in the past or in the future)."""

    reason = "date_out_of_window"


class ExpiredSignature(SignatureError):
    """The signature's `expires` time has passed."""

    reason = "signature_expired"


class InvalidSignature(SignatureError):
    """The cryptographic check failed: wrong key, or the signed content was altered."""

    reason = "invalid_signature"


class InvalidKey(SignatureError):
    """Key material cannot be decoded, or is of a type this module does not support."""

    reason = "invalid_key"


class KeyAlgorithmMismatch(InvalidKey):
    """The algorithm named by the signature does not fit the type of the key."""

    reason = "key_algorithm_mismatch"
