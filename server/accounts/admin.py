"""Admin for local accounts: approving sign-ups, invitations and the login-failure log.

Accounts are created through sign-up or `weerbaarnl createadmin` (each with its Person actor),
never with the admin's add form; their username is fixed because the actor shares it.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Invite, LoginFailure, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "email", "approval", "is_active", "is_staff", "date_joined"]
    list_filter = ["approval", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "email"]
    ordering = ["-date_joined"]
    readonly_fields = ["username", "actor", "invite", "signup_reason", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("first_name", "email", "bio", "actor")}),
        (_("Sign-up"), {"fields": ("approval", "signup_reason", "invite")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Approve the selected accounts (and e-mail them)"), permissions=["change"])
    def approve(self, request, queryset):
        done = sum(1 for user in queryset if services.approve_account(user))
        self.message_user(
            request,
            ngettext("%(count)d account approved.", "%(count)d accounts approved.", done) % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject the selected sign-ups (and e-mail them)"), permissions=["change"])
    def reject(self, request, queryset):
        done = skipped = 0
        for user in queryset:
            if user.pk != request.user.pk and services.reject_account(user):
                done += 1
            else:
                skipped += 1
        self.message_user(
            request,
            ngettext("%(count)d sign-up rejected.", "%(count)d sign-ups rejected.", done) % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d account was skipped: only accounts waiting for approval can be rejected.",
                    "%(count)d accounts were skipped: only accounts waiting for approval can be rejected.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["note_or_code", "signup_link", "uses", "max_uses", "expires_at", "created_by", "created"]
    list_filter = ["created"]
    search_fields = ["note", "code"]
    fields = ["note", "max_uses", "expires_at", "signup_link", "uses", "created_by", "created"]
    readonly_fields = ["signup_link", "uses", "created_by", "created"]
    actions = ["expire"]

    @admin.display(description=_("invitation"))
    def note_or_code(self, obj):
        return obj.note or obj.code

    @admin.display(description=_("sign-up link"))
    def signup_link(self, obj):
        if not obj.pk:
            return _("The link appears here once the invitation is saved.")
        return format_html('<a href="{0}">{0}</a>', obj.signup_url)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Expire the selected invitations now"), permissions=["change"])
    def expire(self, request, queryset):
        count = services.expire_invites(queryset)
        self.message_user(
            request, ngettext("%(count)d invitation expired.", "%(count)d invitations expired.", count) % {"count": count}
        )


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only: who was locked out and from where. Delete rows to lift a lockout early."""

    list_display = ["username", "ip_address", "created"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
