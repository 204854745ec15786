from django.contrib import admin
from django.urls import include, path

from federation.views import nodeinfo

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/nodeinfo", nodeinfo.well_known_nodeinfo, name="well-known-nodeinfo"),
    path("nodeinfo/<str:version>", nodeinfo.nodeinfo, name="nodeinfo"),
    path("accounts/", include("server.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("federation.urls")),
]
