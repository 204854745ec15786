"""The base layout and home page: Dutch first, English by choice, accessible structure."""

import pytest

from tests.server.a11y import problems

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]


@pytest.fixture
def demo():
    from server.demo import load_demo

    return load_demo()


def test_home_is_dutch_by_default(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Naar de hoofdinhoud" in html  # skip link
    assert "Groepen" in html and "Deelnemende organisaties" in html
    assert "Hoogwater en evacuatie" in html
    assert "Regionaal crisisteam" not in html  # private groups are not listed


def test_home_in_english_from_the_browser_language(client, demo):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html and "Participating organisations" in html


def test_language_switch_sticks(client, demo):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert '<html lang="nl">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_the_structural_accessibility_checks(client, demo, path, language):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert problems(response.content.decode()) == []


def test_checker_finds_problems():
    bad = "<html><head></head><body><main><input name='q'><img src='x.png'><button></button></main></body></html>"
    found = problems(bad)
    assert "<html> has no lang attribute" in found
    assert "<input name='q'> has no label" in found
    assert "<img src='x.png'> has no alt" in found
    assert "a <button> has no text" in found
    assert "no skip link" in found


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_signup_form_errors_are_dutch_by_default(client):
    from server.models import NodeSettings

    node = NodeSettings.current()
    node.registration_mode = NodeSettings.Registration.OPEN
    node.save()
    html = client.post("/accounts/signup/", {"username": "Admin!", "email": "x", "password1": "1", "password2": "2"}).content.decode()
    assert '<html lang="nl">' in html
    assert "Gebruik 1 tot en met 30 kleine letters" in html  # the username rule, in Dutch
