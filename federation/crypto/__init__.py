"""Keys, digests and HTTP signatures for federation, free of Django and of the ORM.

Everything is a plain function of its parameters (keys as PEM strings or key objects, headers as
mappings or pairs, `now` injectable). Failures raise a `SignatureError` subclass whose `reason`
names the cause for a 401 answer.

Schemes: draft-cavage-http-signatures-12 as Mastodon uses it (`cavage`), and RFC 9421 HTTP
Message Signatures (`rfc9421`); `verify_request` picks the right one.
"""

from .algorithms import ED25519, RSA_PSS_SHA512, RSA_V1_5_SHA256, SUPPORTED_ALGORITHMS
from .cavage import parse_signature_header, sign_cavage, signing_string, verify_cavage
from .digest import (
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest,
    verify_digest_header,
)
from .errors import (
    DateOutOfWindow,
    DigestMismatch,
    ExpiredSignature,
    InsufficientCoverage,
    InvalidKey,
    InvalidSignature,
    KeyAlgorithmMismatch,
    MalformedSignature,
    MissingDigest,
    MissingSignature,
    SignatureError,
    UnsupportedAlgorithm,
    UnsupportedComponent,
)
from .httpsig import detect_scheme, extract_key_id, verify_request
from .keys import (
    KeyPair,
    PrivateKey,
    PublicKey,
    b58decode,
    b58encode,
    ed25519_public_key_from_multibase,
    ed25519_public_key_to_multibase,
    ed25519_sign,
    ed25519_verify,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    public_key_to_pem,
)
from .message import DEFAULT_WINDOW, Scheme, VerifiedSignature, http_date
from .rfc9421 import signature_base, sign_rfc9421, verify_rfc9421

__all__ = [
    "DEFAULT_WINDOW",
    "ED25519",
    "RSA_PSS_SHA512",
    "RSA_V1_5_SHA256",
    "SUPPORTED_ALGORITHMS",
    "DateOutOfWindow",
    "DigestMismatch",
    "ExpiredSignature",
    "InsufficientCoverage",
    "InvalidKey",
    "InvalidSignature",
    "KeyAlgorithmMismatch",
    "KeyPair",
    "MalformedSignature",
    "MissingDigest",
    "MissingSignature",
    "PrivateKey",
    "PublicKey",
    "Scheme",
    "SignatureError",
    "UnsupportedAlgorithm",
    "UnsupportedComponent",
    "VerifiedSignature",
    "b58decode",
    "b58encode",
    "content_digest_header",
    "detect_scheme",
    "digest_header",
    "ed25519_public_key_from_multibase",
    "ed25519_public_key_to_multibase",
    "ed25519_sign",
    "ed25519_verify",
    "extract_key_id",
    "generate_ed25519_keypair",
    "generate_rsa_keypair",
    "http_date",
    "load_private_key",
    "load_public_key",
    "parse_signature_header",
    "public_key_to_pem",
    "sign_cavage",
    "sign_rfc9421",
    "signature_base",
    "signing_string",
    "verify_cavage",
    "verify_content_digest",
    "verify_digest",
    "verify_digest_header",
    "verify_request",
    "verify_rfc9421",
]
