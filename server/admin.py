from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import NodeSettings, OutboundEmail


class SingletonAdmin(admin.ModelAdmin):
    """Admin for a single-row settings model: no adding a second row, no deleting."""

    def has_add_permission(self, request):
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NodeSettings)
class NodeSettingsAdmin(SingletonAdmin):
    list_display = ["name", "region", "registration_mode", "updated"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created", "to", "subject", "status", "attempts", "next_attempt_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("WeerbaarNL node administration")
admin.site.site_title = _("WeerbaarNL administration")
