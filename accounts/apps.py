from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class AccountsConfig(LotsaAppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    # Logins, lock-outs and log-outs into the access log; the deploy check of how staff log in; the
    # passkeys' access policy.
    import_on_ready = ["accounts.signals", "accounts.checks", "accounts.passkeys"]
    policies = {
        "AccountRequest": "accounts.access.AccountRequestPolicy",
        "IdentityLink": "accounts.access.IdentityLinkPolicy",
    }
    waiting_providers = ["accounts.selectors.waiting_account_requests"]
    change_history = ["AccountRequest", "Organisation", "User", "RoleGrant"]
    change_history_options = {"User": {"exclude_fields": ["password", "last_login"]}}
