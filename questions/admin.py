from django.contrib import admin

from questions.models import Bank


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    """Site admins give banks to their owners here (owners may also share from the bank page)."""

    list_display = ("slug", "title", "owner_name")
    search_fields = ("slug", "title")
    filter_horizontal = ("owners",)
