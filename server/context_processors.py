from django.conf import settings


def node(request):
    from .models import NodeSettings

    return {"node": NodeSettings.current(), "node_url": settings.WEERBAAR_URL}
