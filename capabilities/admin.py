from django.contrib import admin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "kind", "created"]
    list_filter = ["kind"]
    search_fields = ["name", "actor__username"]
    list_select_related = ["actor"]
