from django.contrib import admin

from .models import Actor, FederationPolicy


@admin.register(FederationPolicy)
class FederationPolicyAdmin(admin.ModelAdmin):
    list_display = ["mode", "updated"]

    def has_add_permission(self, request):
        return not FederationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["username", "type", "name", "manually_approves_followers", "discoverable", "created"]
    list_filter = ["type"]
    search_fields = ["username", "name"]
    readonly_fields = ["type", "username", "created", "updated"]

    def has_add_permission(self, request):
        # Actors are created with their account, group or organisation, never on their own.
        return False
