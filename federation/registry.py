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
