"""The federation registry: how groups/ and capabilities/ plug into federation/.

federation/ imports neither of them. At start-up (their AppConfig.ready) they register:
- NodeInfo usage counters and metadata contributions;
- (later) serializers, inbound activity handlers and outbound publishers.
"""

from __future__ import annotations

from collections.abc import Callable

_usage_providers: list[Callable[[], dict]] = []
_metadata_providers: list[Callable[[], dict]] = []


def register_nodeinfo_usage(provider: Callable[[], dict]) -> Callable[[], dict]:
    """Register a function returning NodeInfo `usage` entries, e.g. {"localPosts": 12}.

    Numbers from several providers under the same key are added up; nested dicts (such as
    "users") are merged key by key.
    """
    if provider not in _usage_providers:
        _usage_providers.append(provider)
    return provider


def register_nodeinfo_metadata(provider: Callable[[], dict]) -> Callable[[], dict]:
    """Register a function returning entries for NodeInfo `metadata`."""
    if provider not in _metadata_providers:
        _metadata_providers.append(provider)
    return provider


def _merge_counts(into: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict):
            _merge_counts(into.setdefault(key, {}), value)
        else:
            into[key] = into.get(key, 0) + value


def nodeinfo_usage() -> dict:
    usage: dict = {"users": {}, "localPosts": 0}
    for provider in _usage_providers:
        _merge_counts(usage, provider())
    return usage


def nodeinfo_metadata() -> dict:
    metadata: dict = {}
    for provider in _metadata_providers:
        metadata.update(provider())
    return metadata


# --- inbound activity handlers -----------------------------------------------------------------
#
# A handler is a function handler(ctx) -> None, where ctx is a federation.inbound.InboundContext.
# It is registered for an activity type and the type of the activity's object:
#
#     @handler("Follow")                          # any object
#     @handler("Undo", object_type="Follow")      # Undo of a Follow
#     @handler("Join", object_type="Group")       # Join of a local Group (groups/)
#
# Resolution: the exact (activity type, object type) pair first, then (activity type, any).
# Registering the same pair twice is an error, so every activity resolves to at most one handler.

ANY = None
_handlers: dict[tuple[str, str | None], Callable] = {}


class DuplicateHandler(Exception):
    pass


def handler(activity_type: str, object_type: str | None = ANY):
    def register(func: Callable) -> Callable:
        key = (activity_type, object_type)
        existing = _handlers.get(key)
        if existing is not None and existing is not func:
            raise DuplicateHandler(
                f"{activity_type}/{object_type or '*'} is handled by {existing.__module__}.{existing.__name__} "
                f"already; {func.__module__}.{func.__name__} cannot handle it too"
            )
        _handlers[key] = func
        return func

    return register


def resolve_handler(activity_type: str, object_type: str | None) -> Callable | None:
    return _handlers.get((activity_type, object_type)) or _handlers.get((activity_type, ANY))


def registered_handlers() -> dict[tuple[str, str | None], Callable]:
    return dict(_handlers)


# --- HTML pages of local actors ------------------------------------------------------------------
# A browser asking for an actor URI is redirected to its page; packages register where that is.

_profile_urls: dict[str, Callable] = {}


def register_profile_url(actor_type: str, func: Callable) -> None:
    """func(actor) -> absolute or root-relative URL of the actor's HTML page."""
    _profile_urls[actor_type] = func


def profile_url(actor) -> str | None:
    func = _profile_urls.get(actor.type)
    return func(actor) if func else None
