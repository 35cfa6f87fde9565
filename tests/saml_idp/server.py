"""A small SAML 2.0 identity provider for the tests, on 127.0.0.1: pysaml2's own IdP machinery
(``saml2.server.Server``) behind a WSGI app (wsgiref), never a mock of the protocol.

Run as ``python tests/saml_idp/server.py DIR``: DIR holds the IdP's key and certificate and Lotsa's SP
metadata (tests/saml_identity_provider.py writes them at the test session's start); the server
writes its own metadata to DIR/idp.xml and prints "listening on <base url>".

* ``GET /sso/redirect`` takes a signed AuthnRequest (HTTP-Redirect binding), checks its signature
  against the SP's certificate, and shows a login form: the person, and the AuthnContextClassRef.
* ``POST /login`` answers with a Response through the HTTP-POST binding (an auto-posting form), the
  assertion signed with the IdP's key. The form's extra fields play an attacker or a broken IdP for
  the tests: ``audience`` (another SP entity id), ``signing`` ("none" or "foreign" key),
  ``lifetime`` (minutes the assertion is valid; negative: already expired). ``groups`` (comma
  separated) are released as the person's group memberships (eduPerson isMemberOf), as a city's
  directory would: how the tests name one person the first supervisor and not another.
"""

from __future__ import annotations

import html
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server

ENTITY_ID_PATH = "/idp"
ATTRIBUTES = ("urn:oid:1.2.752.29.4.13", "urn:oid:1.2.752.29.6.2.1")
MEMBER_OF = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"  # eduPerson isMemberOf: the person's groups
LEVELS = (
    "http://id.elegnamnden.se/loa/1.0/loa2",
    "http://id.elegnamnden.se/loa/1.0/loa3",
    "http://id.elegnamnden.se/loa/1.0/loa4",
)


def idp_config(folder: Path, base: str, *, key: str = "idp", lifetime: int = 15) -> IdPConfig:
    return IdPConfig().load(
        {
            "entityid": base + ENTITY_ID_PATH,
            "key_file": str(folder / f"{key}.key"),
            "cert_file": str(folder / f"{key}.crt"),
            "metadata": {"local": [str(folder / "sp.xml")]},
            "allow_unknown_attributes": True,
            "service": {
                "idp": {
                    "name": "Lotsa test IdP",
                    "endpoints": {
                        "single_sign_on_service": [(base + "/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "policy": {
                        "default": {"lifetime": {"minutes": lifetime}, "attribute_restrictions": None}
                    },
                    "want_authn_requests_signed": True,
                }
            },
        }
    )


class App:
    def __init__(self, folder: Path, base: str):
        self.folder = folder
        self.base = base
        self.server = Server(config=idp_config(folder, base))
        self.pending: dict[str, dict] = {}  # login form key -> the request being answered

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        try:
            if path == "/metadata":
                return self._send(start_response, "200 OK", (self.folder / "idp.xml").read_text(), "text/xml")
            if path == "/sso/redirect":
                return self._sso(environ, start_response)
            if path == "/login" and environ["REQUEST_METHOD"] == "POST":
                return self._login(environ, start_response)
        except Exception as error:
            return self._send(start_response, "400 Bad Request", f"<p>{html.escape(repr(error))}</p>")
        return self._send(start_response, "404 Not Found", "<p>Not found</p>")

    @staticmethod
    def _send(start_response, status: str, body: str, kind: str = "text/html; charset=utf-8"):
        data = body.encode()
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data)))])
        return [data]

    def _sso(self, environ, start_response):
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        # pysaml2 checks the request's signature (want_authn_requests_signed) against the SP's metadata.
        request = self.server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        sender = request.message.issuer.text
        key = secrets.token_urlsafe(16)
        self.pending[key] = {
            "id": request.message.id,
            "sp": sender,
            "acs": request.message.assertion_consumer_service_url,
            "relay_state": query.get("RelayState", ""),
        }
        options = "".join(f'<option value="{level}">{level}</option>' for level in LEVELS)
        attributes = "".join(f'<option value="{name}">{name}</option>' for name in ATTRIBUTES)
        page = f"""<!doctype html><html lang="en"><head><title>Test IdP</title></head><body>
<h1>Test identity provider</h1>
<form method="post" action="/login">
<input type="hidden" name="key" value="{key}">
<label for="user">Person</label> <input id="user" name="user">
<label for="level">Level of assurance</label> <select id="level" name="level">{options}</select>
<label for="attribute">Attribute</label> <select id="attribute" name="attribute">{attributes}</select>
<label for="groups">Groups</label> <input id="groups" name="groups">
<button type="submit">Sign in</button>
</form></body></html>"""
        return self._send(start_response, "200 OK", page)

    def _login(self, environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {key: values[0] for key, values in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        asked = self.pending.pop(form["key"])
        signing = form.get("signing", "idp")
        server = self.server
        if signing == "foreign" or "lifetime" in form:
            key = "foreign" if signing == "foreign" else "idp"
            server = Server(
                config=idp_config(self.folder, self.base, key=key, lifetime=int(form.get("lifetime", 15)))
            )
            server.config.entityid = self.base + ENTITY_ID_PATH
        audience = form.get("audience") or asked["sp"]
        identity = {form.get("attribute") or ATTRIBUTES[0]: [form["user"]]}
        groups = [group.strip() for group in form.get("groups", "").split(",") if group.strip()]
        if groups:
            identity[MEMBER_OF] = groups
        response = server.create_authn_response(
            identity=identity,
            in_response_to=asked["id"],
            destination=asked["acs"],
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=secrets.token_hex(16)),
            authn={"class_ref": form.get("level") or LEVELS[1], "authn_auth": self.base + ENTITY_ID_PATH},
            sign_assertion=signing != "none",
            # The Response is signed for the SP that asked (pysaml2's IdP signs only for SPs in its metadata).
            sign_response=signing != "none" and audience == asked["sp"],
        )
        info = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            destination=asked["acs"],
            relay_state=asked["relay_state"],
            response=True,
        )
        return self._send(start_response, "200 OK", info["data"])


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the test output stays readable
        pass


def main(folder: Path) -> None:
    httpd = make_server(
        "127.0.0.1", 0, lambda environ, start: app(environ, start), handler_class=QuietHandler
    )
    base = f"http://127.0.0.1:{httpd.server_port}"
    (folder / "idp.xml").write_text(str(entity_descriptor(idp_config(folder, base))))
    app = App(folder, base)
    print(f"listening on {base}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
