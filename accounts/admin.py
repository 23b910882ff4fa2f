from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile, Unit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Điện thoại"), {"fields": ("phone", "phone_verified")}),
    )
    list_display = ("username", "phone", "email", "first_name", "is_staff")
    search_fields = ("username", "phone", "email", "first_name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "headcount", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "birth_year", "unit")
    search_fields = ("full_name", "user__phone", "id_number")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("unit",)
