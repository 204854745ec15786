"""Federation: actors and keys, signatures, discovery, inbox, outbox, delivery, remote fetching.

The only package that imports django-activitypub-toolkit. It knows no group or capability
semantics: other packages register into `federation.registry`.
"""
