"""Key pairs and key encodings: RSA and Ed25519, PEM and FEP-521a `publicKeyMultibase`.

Keys are exchanged as PEM strings (what actors publish in `publicKeyPem` and what the database
stores); every function that takes a key also accepts an already-loaded key object.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import InvalidKey, InvalidSignature

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKeyLike = PublicKey | str | bytes
PrivateKeyLike = PrivateKey | str | bytes

RSA_KEY_SIZE = 2048
# Multicodec "ed25519-pub" (0xed) as an unsigned varint, prefixed to the raw key (FEP-521a).
ED25519_MULTICODEC_PREFIX = b"\xed\x01"
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class KeyPair:
    """A freshly generated key pair: PKCS#8 private key and SubjectPublicKeyInfo public key, PEM."""

    private_pem: str
    public_pem: str


def _pair(private_key: PrivateKey) -> KeyPair:
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair(private_pem.decode("ascii"), public_key_to_pem(private_key.public_key()))


def generate_rsa_keypair(key_size: int = RSA_KEY_SIZE) -> KeyPair:
    """A new RSA key pair (public exponent 65537), as Mastodon-compatible actors use."""
    return _pair(rsa.generate_private_key(public_exponent=65537, key_size=key_size))


def generate_ed25519_keypair() -> KeyPair:
    """A new Ed25519 key pair (for FEP-521a assertion methods and FEP-8b32 proofs)."""
    return _pair(ed25519.Ed25519PrivateKey.generate())


def public_key_to_pem(key: PublicKey) -> str:
    """The SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") of `key`."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _pem_bytes(pem: str | bytes) -> bytes:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    return data.strip()


def load_public_key(key: PublicKeyLike) -> PublicKey:
    """Load an RSA or Ed25519 public key.

    Accepts SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), PKCS#1 PEM ("BEGIN RSA PUBLIC KEY")
    or a key object (returned unchanged). Raises `InvalidKey` for anything else.
    """
    if isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        return key
    if not isinstance(key, (str, bytes)):
        raise InvalidKey(f"not a public key: {type(key).__name__}")
    try:
        loaded = serialization.load_pem_public_key(_pem_bytes(key))
    except (ValueError, TypeError, _CryptoUnsupportedAlgorithm) as exc:
        raise InvalidKey(f"cannot read public key PEM: {exc}") from exc
    if not isinstance(loaded, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise InvalidKey(f"unsupported public key type: {type(loaded).__name__}")
    return loaded


def load_private_key(key: PrivateKeyLike) -> PrivateKey:
    """Load an unencrypted RSA or Ed25519 private key (PKCS#8 or PKCS#1 PEM, or a key object)."""
    if isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return key
    if not isinstance(key, (str, bytes)):
        raise InvalidKey(f"not a private key: {type(key).__name__}")
    try:
        loaded = serialization.load_pem_private_key(_pem_bytes(key), password=None)
    except (ValueError, TypeError, _CryptoUnsupportedAlgorithm) as exc:
        raise InvalidKey(f"cannot read private key PEM: {exc}") from exc
    if not isinstance(loaded, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise InvalidKey(f"unsupported private key type: {type(loaded).__name__}")
    return loaded


def ed25519_sign(private_key: PrivateKeyLike, data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `data`."""
    key = load_private_key(private_key)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise InvalidKey("not an Ed25519 private key")
    return key.sign(data)


def ed25519_verify(public_key: PublicKeyLike, signature: bytes, data: bytes) -> None:
    """Check an Ed25519 signature; raises `InvalidSignature` when it does not match."""
    key = load_public_key(public_key)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise InvalidKey("not an Ed25519 public key")
    try:
        key.verify(signature, data)
    except _CryptoInvalidSignature as exc:
        raise InvalidSignature("Ed25519 signature does not match") from exc


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet) encoding; each leading zero byte becomes a leading "1"."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of `b58encode`; raises `ValueError` on a character outside the alphabet."""
    number = 0
    for char in text:
        index = _BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"invalid base58 character {char!r}")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def ed25519_public_key_to_multibase(key: PublicKeyLike) -> str:
    """FEP-521a `publicKeyMultibase`: "z" + base58btc(0xed01 + 32-byte raw key), i.e. "z6Mk…"."""
    loaded = load_public_key(key)
    if not isinstance(loaded, ed25519.Ed25519PublicKey):
        raise InvalidKey("not an Ed25519 public key")
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_MULTICODEC_PREFIX + raw)


def ed25519_public_key_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    """Decode a FEP-521a `publicKeyMultibase` Ed25519 key; raises `InvalidKey` otherwise."""
    if not value.startswith("z"):
        raise InvalidKey("publicKeyMultibase must use base58btc (prefix 'z')")
    try:
        decoded = b58decode(value[1:])
    except ValueError as exc:
        raise InvalidKey(str(exc)) from exc
    if not decoded.startswith(ED25519_MULTICODEC_PREFIX):
        raise InvalidKey("publicKeyMultibase is not an ed25519-pub multicodec key")
    raw = decoded[len(ED25519_MULTICODEC_PREFIX):]
    if len(raw) != 32:
        raise InvalidKey(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)
