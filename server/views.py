from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from capabilities.models import Organisation
from groups.models import Group

from .health import check_broker, check_database


@require_GET
def home(request):
    groups = Group.objects.filter(archived=False).exclude(mode=Group.Mode.PRIVATE).select_related("actor")
    organisations = Organisation.objects.select_related("actor")
    return render(
        request,
        "home.html",
        {"groups": groups[:12], "organisations": organisations[:12]},
    )


@require_GET
@never_cache
def healthz(request):
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    ok = db_ok and broker_ok
    body = {
        "status": "ok" if ok else "error",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if ok else 503)
