import pytest
from django.test import Client
from tests.saml_identity_provider import IdpBrowser
pytestmark = pytest.mark.django_db

def test_smoke(saml_settings):
    c = Client()
    r = c.post("/accounts/login/saml/")
    print(r.status_code, r.get("Location", "")[:200], getattr(r, "context", None) and r.context.get("message"))
    action, fields = IdpBrowser().sign_in(r["Location"], user="x")
    print(action, list(fields))
    r = c.post("/accounts/login/saml/acs/", fields)
    print(r.status_code, r.context and r.context.get("message"))
    from audit.models import AccessEvent
    print([e.reason for e in AccessEvent.objects.all()])
