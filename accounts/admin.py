from django.contrib import admin

from .models import AuditEvent
from .views import admin_login

# The admin's login page sends people to the site's: one form, one lockout, one second
# factor, wherever KJC_ADMIN_PATH puts the admin.
admin.site.login = admin_login


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit list is append-only for everyone, superusers included."""

    list_display = ["created_at", "kind", "username", "actor", "ip_address", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
