from .invite import Invite
from .login_failure import LoginFailure
from .user import User

__all__ = ["Invite", "LoginFailure", "User"]
