def group_usage() -> dict:
    from .models import Group

    return {"localGroups": Group.objects.filter(archived=False).count()}
