from django.contrib import admin

from .models import Group


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "mode", "archived", "created"]
    list_filter = ["mode", "archived"]
    search_fields = ["name", "actor__username"]
    list_select_related = ["actor"]
