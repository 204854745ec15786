from .activity import Activity
from .actor import Actor, validate_username
from .actor_key import ActorKey
from .delivery import Delivery
from .federation_policy import FederationPolicy
from .follow import Follow
from .inbox_item import InboxItem
from .peer import Peer
from .remote_actor import RemoteActor
from .tombstone import Tombstone

__all__ = [
    "Activity", "Actor", "ActorKey", "Delivery", "FederationPolicy", "Follow", "InboxItem", "Peer",
    "RemoteActor", "Tombstone", "validate_username",
]
