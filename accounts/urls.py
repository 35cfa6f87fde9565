from django.urls import path
from django.views.i18n import JavaScriptCatalog

from accounts import passkeys, views, views_sso

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.second_factor_view, name="second_factor"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("login/passkey/begin/", passkeys.PasskeyLoginBegin.as_view(), name="passkey_login_begin"),
    path("login/passkey/complete/", passkeys.PasskeyLoginComplete.as_view(), name="passkey_login_complete"),
    path("passkeys/", views.passkey_list, name="passkeys"),
    path("passkeys/<int:credential_id>/remove/", views.passkey_remove, name="passkey_remove"),
    path("passkeys/add/begin/", passkeys.PasskeyRegistrationBegin.as_view(), name="passkey_add_begin"),
    path(
        "passkeys/add/complete/", passkeys.PasskeyRegistrationComplete.as_view(), name="passkey_add_complete"
    ),
    # The passkey scripts' own words (django-otp-webauthn's, with Swedish from locale/).
    path(
        "passkeys/jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="passkey_jsi18n",
    ),
    path("login/oidc/", views_sso.oidc_login, name="oidc_login"),
    path("login/oidc/callback/", views_sso.oidc_callback, name="oidc_callback"),
    path("login/saml/", views_sso.saml_login, name="saml_login"),
    path("login/saml/acs/", views_sso.saml_acs, name="saml_acs"),
    path("saml/metadata/", views_sso.saml_metadata, name="saml_metadata"),
    path("saml/slo/", views_sso.saml_slo, name="saml_slo"),
    path("admin/users/<int:user_id>/links/", views_sso.identity_link_create, name="identity_link_create"),
    path(
        "admin/users/<int:user_id>/links/<int:link_id>/remove/",
        views_sso.identity_link_remove,
        name="identity_link_remove",
    ),
    path("admin/users/", views.user_list, name="user_list"),
    path("admin/users/new/", views.user_create, name="user_create"),
    path("admin/users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("login/activate/", views.activate_view, name="activate"),
    path(
        "admin/users/<int:user_id>/reset-login/", views.user_reset_credentials, name="user_reset_credentials"
    ),
    path(
        "admin/users/<int:user_id>/reset-login/confirm/",
        views.user_reset_credentials_confirm,
        name="user_reset_credentials_confirm",
    ),
    path("admin/users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("requests/", views.account_requests, name="requests"),
    path("requests/<int:request_id>/decide/", views.account_request_decide, name="request_decide"),
    path("admin/organisations/", views.organisation_list, name="organisation_list"),
    path("admin/organisations/new/", views.organisation_edit, name="organisation_create"),
    path("admin/organisations/<int:organisation_id>/", views.organisation_edit, name="organisation_edit"),
]
