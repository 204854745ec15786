"""NodeInfo discovery (https://nodeinfo.diaspora.software/) and NodeInfo 2.0/2.1 documents."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .. import registry
from ..keys import INSTANCE_ACTOR_USERNAME
from ..models import Actor, FederationPolicy

SCHEMAS = {
    "2.0": "http://nodeinfo.diaspora.software/ns/schema/2.0",
    "2.1": "http://nodeinfo.diaspora.software/ns/schema/2.1",
}
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"


@require_GET
@cache_control(public=True, max_age=1800)
def well_known_nodeinfo(request):
    links = [
        {"rel": SCHEMAS[v], "href": f"{settings.WEERBAAR_URL}/nodeinfo/{v}"} for v in ("2.1", "2.0")
    ]
    # FEP-2677: where to find the instance actor (created on first fetch; no query here).
    instance = Actor(type=Actor.Type.APPLICATION, username=INSTANCE_ACTOR_USERNAME)
    links.append({"rel": APPLICATION_REL, "href": instance.uri})
    return JsonResponse({"links": links})


@require_GET
@cache_control(public=True, max_age=1800)
def nodeinfo(request, version):
    if version not in SCHEMAS:
        return JsonResponse({"error": "unknown NodeInfo version; use 2.0 or 2.1"}, status=404)
    software = {"name": "weerbaarnl", "version": settings.WEERBAAR_VERSION}
    metadata = {"federationMode": FederationPolicy.current().mode}
    metadata.update(registry.nodeinfo_metadata())
    usage = registry.nodeinfo_usage()
    doc = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": bool(metadata.pop("openRegistrations", False)),
        "usage": usage,
        "metadata": metadata,
    }
    profile = f'application/json; profile="{SCHEMAS[version]}#"'
    return JsonResponse(doc, content_type=profile)
