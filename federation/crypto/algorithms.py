"""Signature algorithms, named as in the HTTP Signature Algorithms registry (RFC 9421 §6.2).

draft-cavage names map onto these: "rsa-sha256" is `rsa-v1_5-sha256`; "hs2019" means "whatever
the key is", which for RSA keys is `rsa-v1_5-sha256` (as Mastodon does) and for Ed25519 `ed25519`.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .errors import InvalidSignature, KeyAlgorithmMismatch, UnsupportedAlgorithm
from .keys import PrivateKey, PublicKey

RSA_V1_5_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ED25519 = "ed25519"

_KEY_TYPES: dict[str, tuple[type, type]] = {
    RSA_V1_5_SHA256: (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    RSA_PSS_SHA512: (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    ED25519: (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
}
SUPPORTED_ALGORITHMS = tuple(_KEY_TYPES)


def _pss() -> padding.PSS:
    # RFC 9421 §3.3.1: MGF1 with SHA-512 and a 64-byte salt.
    return padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


def algorithms_for_key(key: PublicKey | PrivateKey) -> tuple[str, ...]:
    """The algorithms `key` can be used with, preferred first."""
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return (RSA_V1_5_SHA256, RSA_PSS_SHA512)
    return (ED25519,)


def check_algorithm(algorithm: str, key: PublicKey | PrivateKey) -> None:
    """Raise `UnsupportedAlgorithm` for an unknown name, `KeyAlgorithmMismatch` if `key` cannot do it."""
    if algorithm not in _KEY_TYPES:
        raise UnsupportedAlgorithm(f"unsupported signature algorithm {algorithm!r}")
    if not isinstance(key, _KEY_TYPES[algorithm]):
        raise KeyAlgorithmMismatch(f"algorithm {algorithm!r} does not fit a {type(key).__name__}")


def sign_with(algorithm: str, private_key: PrivateKey, data: bytes) -> bytes:
    """Sign `data` with `algorithm`."""
    check_algorithm(algorithm, private_key)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    if algorithm == RSA_PSS_SHA512:
        return private_key.sign(data, _pss(), hashes.SHA512())
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def verify_with(algorithm: str, public_key: PublicKey, signature: bytes, data: bytes) -> None:
    """Check `signature` over `data`; raises `InvalidSignature` when it does not match."""
    check_algorithm(algorithm, public_key)
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        elif algorithm == RSA_PSS_SHA512:
            public_key.verify(signature, data, _pss(), hashes.SHA512())
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except _CryptoInvalidSignature as exc:
        raise InvalidSignature(f"{algorithm} signature does not match the key") from exc
