"""Local ActivityPub actors: people, groups, organisations and the instance actor."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Usernames as Mastodon accepts them in mentions of remote accounts: letters, digits and
# underscores, with dots and dashes inside. Lower case only, so handles are unambiguous.
USERNAME_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$")

# Names that local actors may not take: they collide with routes or mislead people.
RESERVED_USERNAMES = frozenset(
    {
        "admin", "administrator", "root", "system", "actor", "instance", "inbox", "outbox",
        "api", "static", "media", "accounts", "users", "groups", "orgs", "nodeinfo",
        "well-known", "support", "help", "abuse", "postmaster", "webmaster", "netwerkkaart",
        "weerbaarnl", "moderator", "moderators", "security", "noreply", "edit", "new",
    }
)


def validate_username(value: str) -> None:
    if not USERNAME_RE.match(value or ""):
        raise ValidationError(
            _(
                "Use 1 to 30 lower-case letters, digits or underscores; dots and dashes only "
                "between them."
            ),
            code="invalid_username",
        )
    if value in RESERVED_USERNAMES:
        raise ValidationError(_("This name is reserved. Choose another one."), code="reserved_username")


class Actor(models.Model):
    """An actor hosted on this node. One namespace for all kinds: `@name@node` is unique."""

    class Type(models.TextChoices):
        PERSON = "Person", _("Person")
        GROUP = "Group", _("Group")
        ORGANIZATION = "Organization", _("Organisation")
        APPLICATION = "Application", _("Instance actor")

    # The URL path prefix for each type; the actor id is WEERBAAR_URL + prefix + username.
    PATH_PREFIX = {
        Type.PERSON: "/users/",
        Type.GROUP: "/groups/",
        Type.ORGANIZATION: "/orgs/",
        Type.APPLICATION: "/actors/",
    }

    type = models.CharField(max_length=20, choices=Type.choices)
    username = models.CharField(max_length=30, unique=True, validators=[validate_username])
    name = models.CharField(_("display name"), max_length=200, blank=True)
    summary = models.TextField(_("about"), blank=True)
    manually_approves_followers = models.BooleanField(default=False)
    discoverable = models.BooleanField(default=True)
    # FEP-5feb: may search engines and aggregators index this actor's public posts.
    indexable = models.BooleanField(default=False)
    # Hide the follower and following lists (collections show only their totalItems).
    hide_collections = models.BooleanField(default=False)
    icon_url = models.URLField(max_length=500, blank=True)
    # Set when the actor is deleted: its URI then answers 410 with a Tombstone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return f"@{self.username}@{settings.WEERBAAR_DOMAIN}"

    @property
    def uri(self) -> str:
        return f"{settings.WEERBAAR_URL}{self.PATH_PREFIX[self.type]}{self.username}"

    @property
    def handle(self) -> str:
        return str(self)
