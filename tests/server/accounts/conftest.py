"""Fixtures for the account tests: registration modes, users and a fast password hasher."""

import re

import pytest

from server.models import NodeSettings

PASSWORD = "kraanwater-dijk-2031"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # The real PBKDF2 costs ~0.5 s a hash; the tests are about behaviour, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; the Dutch ones are checked in tests/server/test_pages.py."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def registration(db):
    """Set the node's registration mode: registration("open")."""

    def set_mode(mode):
        node = NodeSettings.current()
        node.registration_mode = mode
        node.save()
        return node

    return set_mode


@pytest.fixture
def make_user(db):
    from server.accounts.services import create_account

    def make(username="anna", email=None, password=PASSWORD, **fields):
        return create_account(username, email or f"{username}@example.org", password, **fields)

    return make


def signup_data(**overrides):
    data = {
        "username": "noor",
        "display_name": "Noor de Vries",
        "email": "noor@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)
