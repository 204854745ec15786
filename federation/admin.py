from django.contrib import admin

from .models import Actor, Delivery, FederationPolicy, InboxItem, Peer


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


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    """Other servers: block or allow them; see how delivery to them goes."""

    list_display = ["domain", "blocked", "allowed", "state", "last_success_at", "last_failure_at"]
    list_filter = ["blocked", "allowed", "state"]
    search_fields = ["domain", "reason"]
    fields = ["domain", "blocked", "allowed", "reason", "state", "first_failure_at", "last_failure_at",
              "last_success_at"]
    readonly_fields = ["state", "first_failure_at", "last_failure_at", "last_success_at"]

    def save_model(self, request, obj, form, change):
        # Blocking here has the same effect as `weerbaarnl federation block`.
        super().save_model(request, obj, form, change)
        if obj.blocked and (not change or "blocked" in form.changed_data):
            from django.core.management import call_command

            call_command("federation", "block", obj.domain, "--reason", obj.reason or "")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created", "inbox", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status"]
    search_fields = ["inbox", "host"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["received_at", "type", "actor_uri", "status", "attempts"]
    list_filter = ["status", "type"]
    search_fields = ["activity_id", "actor_uri"]
    exclude = ["request_body"]
    readonly_fields = [f.name for f in InboxItem._meta.fields if f.name != "request_body"]

    def has_add_permission(self, request):
        return False
