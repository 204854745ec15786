"""Keys, digests and HTTP signatures (federation.crypto): round trips, published vectors, rejections.

No database and no Django: the module under test takes everything as parameters.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from federation.crypto import (
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
    Scheme,
    SignatureError,
    UnsupportedAlgorithm,
    UnsupportedComponent,
    b58decode,
    b58encode,
    content_digest_header,
    detect_scheme,
    digest_header,
    ed25519_public_key_from_multibase,
    ed25519_public_key_to_multibase,
    ed25519_sign,
    ed25519_verify,
    errors,
    extract_key_id,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    http_date,
    load_private_key,
    load_public_key,
    parse_signature_header,
    public_key_to_pem,
    sign_cavage,
    sign_rfc9421,
    signature_base,
    verify_cavage,
    verify_digest,
    verify_request,
    verify_rfc9421,
)
from federation.crypto.message import HeaderFields
from federation.crypto.structured import parse_dictionary

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "signatures"

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
INBOX = "https://remote.example/users/bob/inbox"
INBOX_PATH = "/users/bob/inbox"
KEY_ID = "https://local.example/users/alice#main-key"
BODY = b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","id":"https://local.example/1"}'
JSON_HEADERS = {"Content-Type": "application/activity+json"}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.fixture(scope="module")
def rsa_pair():
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def other_rsa_pair():
    return generate_rsa_keypair()


@pytest.fixture(scope="module")
def ed_pair():
    return generate_ed25519_keypair()


def cavage_request(private_pem, *, body=BODY, method="POST", url=INBOX, now=NOW, **kwargs) -> dict[str, str]:
    """The headers of a request signed with draft-cavage."""
    added = sign_cavage(method, url, JSON_HEADERS, body, KEY_ID, private_pem, now=now, **kwargs)
    return {**JSON_HEADERS, **added}


def rfc9421_request(private_pem, *, body=BODY, method="POST", url=INBOX, now=NOW, **kwargs) -> dict[str, str]:
    """The headers of a request signed with RFC 9421."""
    added = sign_rfc9421(method, url, JSON_HEADERS, body, KEY_ID, private_pem, now=now, **kwargs)
    return {**JSON_HEADERS, **added}


# --- keys -----------------------------------------------------------------------------------------


def test_rsa_keypair_is_2048_bit_pem(rsa_pair):
    assert rsa_pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert rsa_pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    public = load_public_key(rsa_pair.public_pem)
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    private = load_private_key(rsa_pair.private_pem)
    assert private.public_key().public_numbers() == public.public_numbers()


def test_public_keys_load_from_spki_and_pkcs1_pem():
    pkcs1 = fixture("rfc9421-test-key-rsa.pub.pem")
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    from_pkcs1 = load_public_key(pkcs1)
    private = load_private_key(fixture("rfc9421-test-key-rsa.pem"))
    assert from_pkcs1.public_numbers() == private.public_key().public_numbers()
    spki = public_key_to_pem(from_pkcs1)
    assert spki.startswith("-----BEGIN PUBLIC KEY-----")
    assert load_public_key(spki).public_numbers() == from_pkcs1.public_numbers()
    assert load_public_key(pkcs1.encode()).public_numbers() == from_pkcs1.public_numbers()
    assert isinstance(load_public_key(fixture("rfc9421-test-key-ed25519.pub.pem")), ed25519.Ed25519PublicKey)


def test_key_objects_pass_through(rsa_pair):
    key = load_public_key(rsa_pair.public_pem)
    assert load_public_key(key) is key


@pytest.mark.parametrize("bad", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", 42])
def test_unreadable_public_keys_are_refused(bad):
    with pytest.raises(InvalidKey):
        load_public_key(bad)


def test_unsupported_key_types_are_refused():
    ec_public = public_key_to_pem(ec.generate_private_key(ec.SECP256R1()).public_key())
    with pytest.raises(InvalidKey, match="unsupported public key type"):
        load_public_key(ec_public)


def test_ed25519_keypair_signs_and_verifies(ed_pair, rsa_pair):
    assert "BEGIN PRIVATE KEY" in ed_pair.private_pem and "BEGIN PUBLIC KEY" in ed_pair.public_pem
    signature = ed25519_sign(ed_pair.private_pem, b"offer 42")
    assert len(signature) == 64
    ed25519_verify(ed_pair.public_pem, signature, b"offer 42")
    with pytest.raises(InvalidSignature):
        ed25519_verify(ed_pair.public_pem, signature, b"offer 43")
    with pytest.raises(InvalidSignature):
        ed25519_verify(generate_ed25519_keypair().public_pem, signature, b"offer 42")
    with pytest.raises(InvalidKey):
        ed25519_verify(rsa_pair.public_pem, signature, b"offer 42")


@pytest.mark.parametrize(
    "raw, encoded",
    [
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (
            b"The quick brown fox jumps over the lazy dog.",
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        ),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
        (b"", ""),
    ],
)
def test_base58_matches_published_vectors(raw, encoded):
    assert b58encode(raw) == encoded
    assert b58decode(encoded) == raw


def test_base58_refuses_characters_outside_the_alphabet():
    for bad in ("0", "O", "I", "l", "+"):
        with pytest.raises(ValueError):
            b58decode("2NEp" + bad)


def test_multibase_matches_the_w3c_test_key():
    # vc-di-eddsa test key (also FEP-521a's example): secretKeyMultibase is 0x8026 + the seed.
    secret = b58decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
    assert secret[:2] == b"\x80\x26"
    public = ed25519.Ed25519PrivateKey.from_private_bytes(secret[2:]).public_key()
    expected = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert ed25519_public_key_to_multibase(public) == expected
    decoded = ed25519_public_key_from_multibase(expected)
    assert public_key_to_pem(decoded) == public_key_to_pem(public)


def test_multibase_round_trip(ed_pair):
    encoded = ed25519_public_key_to_multibase(ed_pair.public_pem)
    assert encoded.startswith("z6Mk") and len(encoded) == 48
    assert public_key_to_pem(ed25519_public_key_from_multibase(encoded)) == ed_pair.public_pem


@pytest.mark.parametrize(
    "bad",
    [
        "u7QGwDY2Tjn93PVFWWq02piP1NE9_XRlg-c8-jhJiDqKBDw",  # base64url multibase, not base58btc
        "z" + b58encode(b"\x12\x20" + bytes(32)),  # a sha2-256 multihash, not ed25519-pub
        "z" + b58encode(b"\xed\x01" + bytes(31)),  # one byte short
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0",  # '0' is not base58
    ],
)
def test_multibase_refuses_other_encodings(bad):
    with pytest.raises(InvalidKey):
        ed25519_public_key_from_multibase(bad)


def test_multibase_refuses_rsa_keys(rsa_pair):
    with pytest.raises(InvalidKey):
        ed25519_public_key_to_multibase(rsa_pair.public_pem)


# --- digests --------------------------------------------------------------------------------------


def test_digest_header_values():
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert content_digest_header(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    # RFC 9421 Appendix B.2 test-request
    assert content_digest_header(b'{"hello": "world"}', "sha-512") == (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    )
    with pytest.raises(UnsupportedAlgorithm):
        digest_header(b"", "md5")


@pytest.mark.parametrize(
    "headers",
    [
        {"Digest": digest_header(BODY)},
        {"digest": digest_header(BODY, "sha-512")},
        {"Digest": f"{digest_header(BODY)},{digest_header(BODY, 'sha-512')}"},
        {"Content-Digest": content_digest_header(BODY)},
        {"Content-Digest": f"{content_digest_header(BODY, 'sha-512')}, {content_digest_header(BODY)}"},
        {"Digest": digest_header(BODY), "Content-Digest": content_digest_header(BODY)},
    ],
)
def test_digest_accepts_either_header(headers):
    verify_digest(headers, BODY)
    with pytest.raises(DigestMismatch):
        verify_digest(headers, BODY + b" ")


@pytest.mark.parametrize(
    "headers, error",
    [
        ({}, MissingDigest),
        ({"Digest": digest_header(BODY), "Content-Digest": content_digest_header(b"other")}, DigestMismatch),
        ({"Digest": "MD5=" + base64.b64encode(b"0" * 16).decode()}, UnsupportedAlgorithm),
        ({"Digest": "SHA-256"}, MalformedSignature),
        ({"Digest": "SHA-256=not base64!"}, MalformedSignature),
        ({"Content-Digest": "sha-256=abc"}, MalformedSignature),
        ({"Content-Digest": "sha-256=:AAA"}, MalformedSignature),
    ],
)
def test_digest_rejections(headers, error):
    with pytest.raises(error):
        verify_digest(headers, BODY)


# --- draft-cavage ---------------------------------------------------------------------------------


def test_cavage_rsa_round_trip(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    result = verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)
    assert result.scheme is Scheme.CAVAGE
    assert result.key_id == KEY_ID
    assert result.algorithm == "rsa-sha256"
    assert result.covered == ("(request-target)", "host", "date", "digest")
    assert result.created == NOW
    # A full URL works as well as the bare request target.
    assert verify_cavage("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW).key_id == KEY_ID


def test_cavage_get_without_body(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem, body=None, method="GET", url=INBOX + "?page=2")
    assert "Digest" not in headers
    result = verify_cavage("GET", INBOX_PATH + "?page=2", headers, None, rsa_pair.public_pem, now=NOW)
    assert result.covered == ("(request-target)", "host", "date")
    with pytest.raises(InvalidSignature):
        verify_cavage("GET", INBOX_PATH + "?page=3", headers, None, rsa_pair.public_pem, now=NOW)


def test_cavage_header_names_are_case_insensitive(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    pairs = [(name.upper(), value) for name, value in headers.items()]
    assert verify_cavage("POST", INBOX_PATH, pairs, BODY, rsa_pair.public_pem, now=NOW).key_id == KEY_ID


def test_cavage_signature_has_mastodon_format(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    match = re.fullmatch(
        r'keyId="https://local\.example/users/alice#main-key",algorithm="rsa-sha256",'
        r'headers="\(request-target\) host date digest",signature="([A-Za-z0-9+/]+={0,2})"',
        headers["Signature"],
    )
    assert match, headers["Signature"]
    assert len(base64.b64decode(match.group(1))) == 256  # RSA-2048
    assert headers["Date"] == "Fri, 01 May 2026 12:00:00 GMT"
    assert headers["Host"] == "remote.example"
    assert headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()


def _mastodon_signing_string(headers: dict[str, str]) -> bytes:
    """The signing string written out by hand, as Mastodon builds it."""
    return (
        f"(request-target): post {INBOX_PATH}\n"
        f"host: {headers['Host']}\n"
        f"date: {headers['Date']}\n"
        f"digest: {headers['Digest']}"
    ).encode()


def test_cavage_signer_signs_mastodons_signing_string(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    signature = parse_signature_header(headers["Signature"]).signature
    load_public_key(rsa_pair.public_pem).verify(
        signature, _mastodon_signing_string(headers), padding.PKCS1v15(), hashes.SHA256()
    )


def test_cavage_verifies_a_request_signed_like_mastodon(rsa_pair):
    # Built without our signer: the headers and signature a Mastodon server sends to an inbox.
    headers = {
        "Host": "remote.example",
        "Date": "Fri, 01 May 2026 11:59:58 GMT",
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode(),
        "Content-Type": "application/activity+json",
        "User-Agent": "http.rb/5.1.1 (Mastodon/4.3.0; +https://local.example/)",
    }
    private = load_private_key(rsa_pair.private_pem)
    signature = private.sign(_mastodon_signing_string(headers), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host date digest",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    result = verify_request("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)
    assert (result.key_id, result.algorithm) == (KEY_ID, "rsa-sha256")
    assert result.created == NOW - timedelta(seconds=2)


def test_hs2019_with_rsa_key(rsa_pair):
    # Mastodon accepts algorithm="hs2019" with RSA keys and checks RSASSA-PKCS1-v1_5 SHA-256.
    headers = cavage_request(rsa_pair.private_pem)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    assert verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW).algorithm == "hs2019"


def test_hs2019_with_rsa_key_and_created_expires(rsa_pair):
    headers = cavage_request(
        rsa_pair.private_pem,
        signed_headers=["(request-target)", "(created)", "(expires)", "host", "digest"],
        expires=NOW + timedelta(minutes=5),
    )
    assert 'algorithm="hs2019"' in headers["Signature"]
    assert f"created={int(NOW.timestamp())}" in headers["Signature"]
    result = verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW + timedelta(minutes=1))
    assert result.created == NOW
    assert result.expires == NOW + timedelta(minutes=5)
    with pytest.raises(ExpiredSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW + timedelta(minutes=6))


def test_hs2019_with_ed25519_key(ed_pair, rsa_pair):
    headers = cavage_request(ed_pair.private_pem)
    assert 'algorithm="hs2019"' in headers["Signature"]
    result = verify_cavage("POST", INBOX_PATH, headers, BODY, ed_pair.public_pem, now=NOW)
    assert result.algorithm == "hs2019"
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, generate_ed25519_keypair().public_pem, now=NOW)
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_without_algorithm_follows_the_key(ed_pair):
    headers = cavage_request(ed_pair.private_pem)
    headers["Signature"] = headers["Signature"].replace('algorithm="hs2019",', "")
    assert verify_cavage("POST", INBOX_PATH, headers, BODY, ed_pair.public_pem, now=NOW).algorithm == "hs2019"


def test_cavage_in_authorization_header(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    assert detect_scheme(headers) is Scheme.CAVAGE
    assert extract_key_id(headers) == KEY_ID
    assert verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW).key_id == KEY_ID


def test_signature_header_parsing_is_robust():
    parsed = parse_signature_header(
        ' signature="QUJD", headers="(Request-Target)  Host date",'
        'keyId="https://x.example/a,b#key \\"1\\"" , created=1618884473,algorithm="HS2019",expires="1618884773",'
        'future="ignored"'
    )
    assert parsed.key_id == 'https://x.example/a,b#key "1"'
    assert parsed.signature == b"ABC"
    assert parsed.headers == ("(request-target)", "host", "date")
    assert parsed.algorithm == "hs2019"
    assert (parsed.created, parsed.expires) == (1618884473, 1618884773)
    assert parse_signature_header('keyId="k",signature="QUJD"').headers == ("date",)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        'keyId="k"',
        'signature="QUJD"',
        'keyId="k",signature="not base64!"',
        'keyId="k,signature="QUJD"',
        'keyId="k"x,signature="QUJD"',
        'keyId="k",keyId="j",signature="QUJD"',
        'keyId="k",signature="QUJD",created=yesterday',
        'keyId="k",signature="QUJD",headers=""',
    ],
)
def test_malformed_signature_header(rsa_pair, value):
    with pytest.raises(MalformedSignature):
        parse_signature_header(value)
    headers = {**cavage_request(rsa_pair.private_pem), "Signature": value}
    with pytest.raises(MalformedSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_missing_signature(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    del headers["Signature"]
    with pytest.raises(MissingSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)
    with pytest.raises(MissingSignature):
        verify_cavage("POST", INBOX_PATH, {**headers, "Authorization": "Bearer abc"}, BODY, rsa_pair.public_pem)


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ecdsa-sha256", "ed25519"])
def test_cavage_unknown_algorithm(rsa_pair, algorithm):
    headers = cavage_request(rsa_pair.private_pem)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", algorithm)
    with pytest.raises(UnsupportedAlgorithm):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_rsa_sha256_needs_an_rsa_key(ed_pair):
    headers = cavage_request(ed_pair.private_pem)
    headers["Signature"] = headers["Signature"].replace("hs2019", "rsa-sha256")
    with pytest.raises(KeyAlgorithmMismatch):
        verify_cavage("POST", INBOX_PATH, headers, BODY, ed_pair.public_pem, now=NOW)


def test_cavage_signature_by_another_key(rsa_pair, other_rsa_pair):
    headers = cavage_request(other_rsa_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_body_changed(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    with pytest.raises(DigestMismatch):
        verify_cavage("POST", INBOX_PATH, headers, BODY.replace(b"Follow", b"Block"), rsa_pair.public_pem, now=NOW)


def test_cavage_digest_replaced_along_with_body(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    forged = BODY.replace(b"Follow", b"Block")
    headers["Digest"] = digest_header(forged)
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH, headers, forged, rsa_pair.public_pem, now=NOW)


def test_cavage_missing_digest_on_post(rsa_pair):
    unsigned_body = cavage_request(rsa_pair.private_pem, body=None)
    assert "Digest" not in unsigned_body
    with pytest.raises(MissingDigest):
        verify_cavage("POST", INBOX_PATH, unsigned_body, BODY, rsa_pair.public_pem, now=NOW)
    digest_not_signed = cavage_request(rsa_pair.private_pem, signed_headers=["(request-target)", "host", "date"])
    assert "Digest" in digest_not_signed
    with pytest.raises(MissingDigest):
        verify_cavage("POST", INBOX_PATH, digest_not_signed, BODY, rsa_pair.public_pem, now=NOW)
    digest_removed = cavage_request(rsa_pair.private_pem)
    del digest_removed["Digest"]
    with pytest.raises(MissingDigest):
        verify_cavage("POST", INBOX_PATH, digest_removed, BODY, rsa_pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    "signed_at, window, accepted",
    [
        (NOW - timedelta(minutes=59), 3600, True),
        (NOW + timedelta(minutes=59), 3600, True),
        (NOW - timedelta(hours=2), 3600, False),
        (NOW + timedelta(hours=2), 3600, False),
        (NOW - timedelta(minutes=2), 60, False),
        (NOW + timedelta(minutes=2), 60, False),
    ],
)
def test_cavage_date_window(rsa_pair, signed_at, window, accepted):
    headers = cavage_request(rsa_pair.private_pem, now=signed_at)
    if accepted:
        assert verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW, window=window)
    else:
        with pytest.raises(DateOutOfWindow):
            verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW, window=window)


def test_cavage_created_window(ed_pair):
    signed = ["(request-target)", "host", "(created)", "digest"]
    headers = cavage_request(ed_pair.private_pem, signed_headers=signed, now=NOW - timedelta(hours=2))
    with pytest.raises(DateOutOfWindow):
        verify_cavage("POST", INBOX_PATH, headers, BODY, ed_pair.public_pem, now=NOW)
    assert verify_cavage("POST", INBOX_PATH, headers, BODY, ed_pair.public_pem, now=NOW - timedelta(hours=2))


def test_cavage_unreadable_date(rsa_pair):
    headers = {**cavage_request(rsa_pair.private_pem), "Date": "yesterday"}
    with pytest.raises(MalformedSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    "signed_headers",
    [
        ["host", "date", "digest"],  # no (request-target)
        ["(request-target)", "date", "digest"],  # no host
        ["(request-target)", "host", "digest"],  # no date nor (created)
    ],
)
def test_cavage_insufficient_coverage(rsa_pair, signed_headers):
    headers = cavage_request(rsa_pair.private_pem, signed_headers=signed_headers)
    with pytest.raises(InsufficientCoverage):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_created_cannot_be_signed_with_rsa_sha256(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem, signed_headers=["(request-target)", "host", "(created)", "digest"])
    headers["Signature"] = headers["Signature"].replace("hs2019", "rsa-sha256")
    with pytest.raises(MalformedSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    "header, value, error",
    [
        ("Host", "evil.example", InvalidSignature),
        ("Date", "Fri, 01 May 2026 12:00:01 GMT", InvalidSignature),
        ("Digest", "SHA-256=" + base64.b64encode(bytes(32)).decode(), DigestMismatch),
    ],
)
def test_cavage_header_changed_after_signing(rsa_pair, header, value, error):
    headers = {**cavage_request(rsa_pair.private_pem), header: value}
    with pytest.raises(error):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_signed_header_removed(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    del headers["Host"]
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_path_changed(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", "/users/carol/inbox", headers, BODY, rsa_pair.public_pem, now=NOW)
    with pytest.raises(InvalidSignature):
        verify_cavage("POST", INBOX_PATH + "?x=1", headers, BODY, rsa_pair.public_pem, now=NOW)


def test_cavage_method_changed(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_cavage("PUT", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW)


# --- RFC 9421 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pair, algorithm",
    [("rsa_pair", "rsa-v1_5-sha256"), ("rsa_pair", "rsa-pss-sha512"), ("ed_pair", "ed25519")],
)
def test_rfc9421_round_trip(request, pair, algorithm):
    keys = request.getfixturevalue(pair)
    headers = rfc9421_request(keys.private_pem, algorithm=algorithm)
    assert headers["Content-Digest"] == content_digest_header(BODY)
    assert headers["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())}'
        f';keyid="{KEY_ID}";alg="{algorithm}"'
    )
    result = verify_rfc9421("POST", INBOX, headers, BODY, keys.public_pem, now=NOW)
    assert result.scheme is Scheme.RFC9421
    assert (result.key_id, result.algorithm, result.label) == (KEY_ID, algorithm, "sig1")
    assert result.covered == ('"@method"', '"@target-uri"', '"content-digest"')
    assert result.created == NOW and result.expires is None


@pytest.mark.parametrize(
    "pair, algorithm", [("rsa_pair", "rsa-v1_5-sha256"), ("rsa_pair", "rsa-pss-sha512"), ("ed_pair", "ed25519")]
)
def test_rfc9421_without_alg_infers_it_from_the_key(request, pair, algorithm):
    keys = request.getfixturevalue(pair)
    headers = rfc9421_request(keys.private_pem, algorithm=algorithm, include_alg=False)
    assert "alg=" not in headers["Signature-Input"]
    assert verify_rfc9421("POST", INBOX, headers, BODY, keys.public_pem, now=NOW).algorithm == algorithm


def test_rfc9421_signature_base_derived_components():
    fields = HeaderFields({"Date": "Tue, 20 Apr 2021 02:07:55 GMT", "X-Multi": "a", "x-multi": " b "})
    covered = parse_dictionary(
        'sig1=("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query" "date" "x-multi")'
        ';created=1618884473;keyid="k"'
    )["sig1"]
    base = signature_base(covered, "GET", "https://Example.COM:443/foo/bar?x=1&y=2", fields)
    assert base == (
        '"@method": GET\n'
        '"@target-uri": https://Example.COM:443/foo/bar?x=1&y=2\n'
        '"@authority": example.com\n'
        '"@scheme": https\n'
        '"@request-target": /foo/bar?x=1&y=2\n'
        '"@path": /foo/bar\n'
        '"@query": ?x=1&y=2\n'
        '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
        '"x-multi": a, b\n'
        '"@signature-params": ("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query"'
        ' "date" "x-multi");created=1618884473;keyid="k"'
    )
    covered = parse_dictionary('s=("@authority" "@path" "@query")')["s"]
    assert signature_base(covered, "GET", "http://h:8080", fields) == (
        '"@authority": h:8080\n"@path": /\n"@query": ?\n"@signature-params": ("@authority" "@path" "@query")'
    )


# RFC 9421 Appendix B.2: the test-request.
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_BODY = b'{"hello": "world"}'
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    ),
    "Content-Length": "18",
}
RFC_CREATED = datetime.fromtimestamp(1618884473, UTC)


def test_rfc9421_signature_base_matches_section_2_5():
    covered = parse_dictionary(
        'sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type")'
        ';created=1618884473;keyid="test-key-rsa-pss"'
    )["sig1"]
    assert signature_base(covered, "POST", RFC_URL, HeaderFields(RFC_HEADERS)) == (
        '"@method": POST\n'
        '"@authority": example.com\n'
        '"@path": /foo\n'
        f'"content-digest": {RFC_HEADERS["Content-Digest"]}\n'
        '"content-length": 18\n'
        '"content-type": application/json\n'
        '"@signature-params": ("@method" "@authority" "@path" "content-digest" "content-length" "content-type")'
        ';created=1618884473;keyid="test-key-rsa-pss"'
    )


B21_HEADERS = {
    **RFC_HEADERS,
    "Signature-Input": 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
    "Signature": (
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZs"
        "ckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56Y"
        "CE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8I"
        "U1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
    ),
}

B26_HEADERS = {
    **RFC_HEADERS,
    "Signature-Input": (
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"'
    ),
    "Signature": "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
}


def test_rfc9421_vector_b21_minimal_rsa_pss():
    key = fixture("rfc9421-test-key-rsa-pss.pub.pem")
    result = verify_rfc9421("POST", RFC_URL, B21_HEADERS, RFC_BODY, key, now=RFC_CREATED, enforce_coverage=False)
    assert (result.key_id, result.algorithm, result.label, result.covered) == (
        "test-key-rsa-pss", "rsa-pss-sha512", "sig-b21", ()
    )
    assert extract_key_id(B21_HEADERS) == "test-key-rsa-pss"
    # It covers nothing, so the inbox policy refuses it.
    with pytest.raises(InsufficientCoverage):
        verify_rfc9421("POST", RFC_URL, B21_HEADERS, RFC_BODY, key, now=RFC_CREATED)
    # One flipped bit in the nonce breaks it.
    tampered = {**B21_HEADERS, "Signature-Input": B21_HEADERS["Signature-Input"].replace("b3k2", "b3k3")}
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", RFC_URL, tampered, RFC_BODY, key, now=RFC_CREATED, enforce_coverage=False)


def test_rfc9421_vector_b26_ed25519():
    key = fixture("rfc9421-test-key-ed25519.pub.pem")
    result = verify_rfc9421("POST", RFC_URL, B26_HEADERS, RFC_BODY, key, now=RFC_CREATED, enforce_coverage=False)
    assert (result.key_id, result.algorithm, result.label) == ("test-key-ed25519", "ed25519", "sig-b26")
    assert result.created == RFC_CREATED
    tampered = {**B26_HEADERS, "Content-Type": "application/json; charset=utf-8"}
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", RFC_URL, tampered, RFC_BODY, key, now=RFC_CREATED, enforce_coverage=False)
    # The body is not signed through content-digest, so the inbox policy refuses it.
    with pytest.raises(MissingDigest):
        verify_rfc9421("POST", RFC_URL, B26_HEADERS, RFC_BODY, key, now=RFC_CREATED)


def test_rfc9421_signer_reproduces_vector_b26():
    # Ed25519 is deterministic: our signer must produce the RFC's bytes exactly.
    added = sign_rfc9421(
        "POST",
        RFC_URL,
        {name: value for name, value in RFC_HEADERS.items() if name != "Content-Digest"},
        RFC_BODY,
        "test-key-ed25519",
        fixture("rfc9421-test-key-ed25519.pem"),
        components=["date", "@method", "@path", "@authority", "content-type", "content-length"],
        label="sig-b26",
        include_alg=False,
        now=RFC_CREATED,
    )
    assert added == {"Signature-Input": B26_HEADERS["Signature-Input"], "Signature": B26_HEADERS["Signature"]}


def test_rfc9421_signer_refuses_absent_covered_fields(rsa_pair):
    with pytest.raises(ValueError, match="x-absent"):
        rfc9421_request(rsa_pair.private_pem, components=["@method", "@target-uri", "x-absent"])


def test_rfc9421_pkcs1_key_round_trip():
    # The B.1.1 key (PKCS#1 PEM both ways) signs and verifies rsa-v1_5-sha256.
    headers = rfc9421_request(fixture("rfc9421-test-key-rsa.pem"))
    result = verify_rfc9421("POST", INBOX, headers, BODY, fixture("rfc9421-test-key-rsa.pub.pem"), now=NOW)
    assert result.algorithm == "rsa-v1_5-sha256"


def test_rfc9421_missing_signature(rsa_pair):
    headers = rfc9421_request(rsa_pair.private_pem)
    for name in ("Signature-Input", "Signature"):
        partial = {key: value for key, value in headers.items() if key != name}
        with pytest.raises(MissingSignature):
            verify_rfc9421("POST", INBOX, partial, BODY, rsa_pair.public_pem, now=NOW)
    with pytest.raises(MissingSignature):
        verify_rfc9421("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW, label="sig2")


@pytest.mark.parametrize(
    "signature_input, signature, error",
    [
        ('sig1=("@method" "@target-uri"', None, MalformedSignature),
        ("sig1=(@method)", None, MalformedSignature),
        ('sig1=("@method" @target-uri);created=1', None, MalformedSignature),
        ('sig1="@method"', None, MalformedSignature),
        ('sig1=("@method" "@method" "@target-uri");created={created};keyid="k"', None, MalformedSignature),
        ('sig1=("@method" "@target-uri");created="{created}";keyid="k"', None, MalformedSignature),
        ('sig1=("@method" "@target-uri");created={created};keyid=k', None, MalformedSignature),
        ('sig1=("@method" "@target-uri");created={created}', None, MalformedSignature),
        ('sig1=("@method" "@target-uri" "Content-Type");created={created};keyid="k"', None, MalformedSignature),
        (None, 'sig1="not bytes"', MalformedSignature),
        (None, "sig1=:not base64!:", MalformedSignature),
        ('sig1=("@method" "@target-uri" "@status");created={created};keyid="k"', None, UnsupportedComponent),
        ('sig1=("@method" "@target-uri" "@query-param";name="a");created={created}', None, UnsupportedComponent),
        ('sig1=("@method" "@target-uri" "content-type";sf);created={created};keyid="k"', None, UnsupportedComponent),
    ],
)
def test_rfc9421_malformed(rsa_pair, signature_input, signature, error):
    headers = rfc9421_request(rsa_pair.private_pem)
    if signature_input is not None:
        headers["Signature-Input"] = signature_input.format(created=int(NOW.timestamp()))
    if signature is not None:
        headers["Signature"] = signature
    with pytest.raises(error):
        verify_rfc9421("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)


@pytest.mark.parametrize("alg", ["hmac-sha256", "ecdsa-p256-sha256", "rsa-sha256", "none"])
def test_rfc9421_unknown_algorithm(rsa_pair, alg):
    headers = rfc9421_request(rsa_pair.private_pem)
    headers["Signature-Input"] = headers["Signature-Input"].replace('alg="rsa-v1_5-sha256"', f'alg="{alg}"')
    with pytest.raises(UnsupportedAlgorithm):
        verify_rfc9421("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_rfc9421_alg_must_fit_the_key(rsa_pair, ed_pair):
    headers = rfc9421_request(ed_pair.private_pem)
    with pytest.raises(KeyAlgorithmMismatch):
        verify_rfc9421("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)
    with pytest.raises(KeyAlgorithmMismatch):
        rfc9421_request(rsa_pair.private_pem, algorithm="ed25519")


def test_rfc9421_signature_by_another_key(rsa_pair, other_rsa_pair, ed_pair):
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", INBOX, rfc9421_request(other_rsa_pair.private_pem), BODY, rsa_pair.public_pem, now=NOW)
    without_alg = rfc9421_request(other_rsa_pair.private_pem, include_alg=False)
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", INBOX, without_alg, BODY, rsa_pair.public_pem, now=NOW)
    ed_headers = rfc9421_request(ed_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", INBOX, ed_headers, BODY, generate_ed25519_keypair().public_pem, now=NOW)


def test_rfc9421_body_changed(ed_pair):
    headers = rfc9421_request(ed_pair.private_pem)
    with pytest.raises(DigestMismatch):
        verify_rfc9421("POST", INBOX, headers, BODY + b"\n", ed_pair.public_pem, now=NOW)


def test_rfc9421_missing_digest_on_post(ed_pair):
    headers = rfc9421_request(ed_pair.private_pem, components=["@method", "@target-uri"])
    assert "Content-Digest" not in headers
    with pytest.raises(MissingDigest):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)
    removed = rfc9421_request(ed_pair.private_pem)
    del removed["Content-Digest"]
    with pytest.raises(MissingDigest):
        verify_rfc9421("POST", INBOX, removed, BODY, ed_pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    "components",
    [
        ["@target-uri", "content-digest"],  # no @method
        ["@method", "content-digest"],  # no target
        ["@method", "@path", "content-digest"],  # path without authority
        ["@method", "@authority", "content-digest"],  # authority without path
    ],
)
def test_rfc9421_insufficient_coverage(ed_pair, components):
    headers = rfc9421_request(ed_pair.private_pem, components=components)
    with pytest.raises(InsufficientCoverage):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)


def test_rfc9421_authority_and_path_suffice(ed_pair):
    headers = rfc9421_request(ed_pair.private_pem, components=["@method", "@authority", "@path", "content-digest"])
    assert verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW).covered == (
        '"@method"', '"@authority"', '"@path"', '"content-digest"'
    )


def test_rfc9421_created_is_required(ed_pair):
    headers = rfc9421_request(ed_pair.private_pem)
    headers["Signature-Input"] = re.sub(r";created=\d+", "", headers["Signature-Input"])
    with pytest.raises(InsufficientCoverage):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)])
def test_rfc9421_created_out_of_window(ed_pair, offset):
    headers = rfc9421_request(ed_pair.private_pem, now=NOW + offset)
    with pytest.raises(DateOutOfWindow):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)
    assert verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW, window=3 * 3600)


def test_rfc9421_expired(ed_pair):
    headers = rfc9421_request(ed_pair.private_pem, now=NOW - timedelta(minutes=10), expires=NOW - timedelta(minutes=5))
    assert f"expires={int((NOW - timedelta(minutes=5)).timestamp())}" in headers["Signature-Input"]
    with pytest.raises(ExpiredSignature):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)
    result = verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW - timedelta(minutes=6))
    assert result.expires == NOW - timedelta(minutes=5)


def test_rfc9421_header_value_changed(ed_pair):
    covered = ["@method", "@target-uri", "content-type", "content-digest"]
    headers = rfc9421_request(ed_pair.private_pem, components=covered)
    assert verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)
    headers["Content-Type"] = "text/html"
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)
    del headers["Content-Type"]
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://remote.example/users/carol/inbox",
        "https://remote.example/users/bob/inbox?x=1",
        "https://evil.example/users/bob/inbox",
        "http://remote.example/users/bob/inbox",
    ],
)
def test_rfc9421_target_changed(rsa_pair, url):
    headers = rfc9421_request(rsa_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_rfc9421("POST", url, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_rfc9421_method_changed(rsa_pair):
    headers = rfc9421_request(rsa_pair.private_pem)
    with pytest.raises(InvalidSignature):
        verify_rfc9421("PUT", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)


def test_rfc9421_label_selects_one_of_several_signatures(rsa_pair, ed_pair):
    first = rfc9421_request(rsa_pair.private_pem)
    other_key = "https://other.example/key"
    second = sign_rfc9421("POST", INBOX, first, BODY, other_key, ed_pair.private_pem, now=NOW, label="sig2")
    headers = {
        **first,
        "Signature-Input": f"{first['Signature-Input']}, {second['Signature-Input']}",
        "Signature": f"{first['Signature']}, {second['Signature']}",
    }
    assert extract_key_id(headers) == KEY_ID
    assert extract_key_id(headers, label="sig2") == other_key
    assert verify_rfc9421("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW).label == "sig1"
    result = verify_rfc9421("POST", INBOX, headers, BODY, ed_pair.public_pem, now=NOW, label="sig2")
    assert (result.label, result.key_id) == ("sig2", other_key)


# --- dispatch -------------------------------------------------------------------------------------


def test_detect_scheme(rsa_pair):
    assert detect_scheme(cavage_request(rsa_pair.private_pem)) is Scheme.CAVAGE
    assert detect_scheme(rfc9421_request(rsa_pair.private_pem)) is Scheme.RFC9421
    assert detect_scheme(JSON_HEADERS) is None
    assert detect_scheme([("signature-input", "x"), ("signature", "y")]) is Scheme.RFC9421


def test_extract_key_id(rsa_pair, ed_pair):
    assert extract_key_id(cavage_request(rsa_pair.private_pem)) == KEY_ID
    assert extract_key_id(rfc9421_request(ed_pair.private_pem)) == KEY_ID
    with pytest.raises(MissingSignature):
        extract_key_id(JSON_HEADERS)
    with pytest.raises(MalformedSignature):
        extract_key_id({"Signature": "nonsense"})
    with pytest.raises(MalformedSignature):
        extract_key_id({"Signature-Input": 'sig1=();created=1', "Signature": "sig1=:AAAA:"})


@pytest.mark.parametrize("sign", [cavage_request, rfc9421_request])
def test_verify_request_dispatches(rsa_pair, other_rsa_pair, sign):
    headers = sign(rsa_pair.private_pem)
    result = verify_request("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW)
    assert result.scheme is (Scheme.CAVAGE if sign is cavage_request else Scheme.RFC9421)
    assert result.key_id == KEY_ID
    with pytest.raises(InvalidSignature):
        verify_request("POST", INBOX, headers, BODY, other_rsa_pair.public_pem, now=NOW)
    with pytest.raises(DateOutOfWindow):
        verify_request("POST", INBOX, headers, BODY, rsa_pair.public_pem, now=NOW + timedelta(hours=2))


def test_verify_request_unsigned(rsa_pair):
    with pytest.raises(MissingSignature):
        verify_request("POST", INBOX, JSON_HEADERS, BODY, rsa_pair.public_pem, now=NOW)


def test_now_must_be_timezone_aware(rsa_pair):
    headers = cavage_request(rsa_pair.private_pem)
    with pytest.raises(ValueError):
        verify_cavage("POST", INBOX_PATH, headers, BODY, rsa_pair.public_pem, now=NOW.replace(tzinfo=None))


def test_http_date_is_imf_fixdate():
    assert http_date(datetime(2021, 4, 20, 2, 7, 55, 999, tzinfo=UTC)) == "Tue, 20 Apr 2021 02:07:55 GMT"


# --- errors and isolation -------------------------------------------------------------------------


def test_every_error_has_its_own_reason():
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, SignatureError) and value is not SignatureError
    ]
    assert len(classes) >= 12
    reasons = [cls.reason for cls in classes]
    assert len(set(reasons)) == len(reasons)
    assert all(re.fullmatch(r"[a-z_]+", reason) for reason in reasons)
    error = DigestMismatch("Digest sha-256 does not match the body")
    assert (error.reason, error.detail, str(error)) == (
        "digest_mismatch", "Digest sha-256 does not match the body", "Digest sha-256 does not match the body"
    )
    assert MissingSignature().detail == "missing_signature"


def test_module_imports_neither_django_nor_the_toolkit():
    code = (
        "import sys; import federation.crypto; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'activitypub')); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={"PATH": ""})
    assert run.returncode == 0, run.stdout + run.stderr
    for path in (ROOT / "federation" / "crypto").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("django", "activitypub", "federation"), f"{path.name}: {name}"
