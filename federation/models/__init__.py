from .actor import Actor, validate_username
from .federation_policy import FederationPolicy

__all__ = ["Actor", "FederationPolicy", "validate_username"]
