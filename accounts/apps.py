from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from accounts import signals  # noqa: F401
        from accounts.access import AccountRequestPolicy
        from accounts.models import AccountRequest, Organisation, RoleGrant, User
        from accounts.selectors import waiting_account_requests
        from lotsa import access, waiting

        access.register(AccountRequest, AccountRequestPolicy())
        waiting.register(waiting_account_requests)
        auditlog.register(AccountRequest)

        auditlog.register(Organisation)
        auditlog.register(
            User,
            exclude_fields=["password", "last_login"],
        )
        auditlog.register(RoleGrant)
