from django.contrib import admin

from contest.models import Contest, ContestMembership


class MembershipInline(admin.TabularInline):
    model = ContestMembership
    extra = 1
    raw_id_fields = ("user",)


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "opens_at", "closes_at")
    search_fields = ("slug", "title")
    inlines = [MembershipInline]
