"""Federation endpoints: discovery, actors and their collections, inboxes, activities."""

from django.urls import path, re_path

from .views import actors, discovery, inbox

ACTOR = r"(?P<prefix>users|groups|orgs|actors)/(?P<username>[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?)"

urlpatterns = [
    path(".well-known/webfinger", discovery.webfinger, name="webfinger"),
    path(".well-known/host-meta", discovery.host_meta, name="host-meta"),
    path("inbox", inbox.shared_inbox, name="shared-inbox"),
    re_path(rf"^{ACTOR}$", actors.actor_detail, name="actor"),
    re_path(rf"^{ACTOR}/inbox$", inbox.actor_inbox, name="actor-inbox"),
    re_path(rf"^{ACTOR}/outbox$", actors.outbox, name="actor-outbox"),
    re_path(rf"^{ACTOR}/followers$", actors.followers, name="actor-followers"),
    re_path(rf"^{ACTOR}/following$", actors.following, name="actor-following"),
    path("activities/<uuid:uuid>", actors.activity_detail, name="activity"),
]
