from datetime import timedelta

from django.utils import timezone


def user_usage() -> dict:
    from .models import User

    now = timezone.now()
    active = User.objects.filter(is_active=True)
    return {
        "users": {
            "total": active.count(),
            "activeMonth": active.filter(last_login__gte=now - timedelta(days=30)).count(),
            "activeHalfyear": active.filter(last_login__gte=now - timedelta(days=180)).count(),
        }
    }
