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
  directory would: how the tests name one person the first supervisor and not another. The IdP keeps
  a session of its own for the login (its cookie, the NameID and the SessionIndex it gave).
* ``GET /`` is the IdP's own page: "Signed in as <person>" while its session lasts, else the login
  form's heading ("Sign in"); ``GET /sessions`` lists its open sessions as JSON, for the tests.
* ``GET /slo/redirect`` is its SingleLogoutService (HTTP-Redirect binding). A signed LogoutRequest
  (pysaml2 checks the signature against the SP's metadata) ends the sessions of its NameID and
  SessionIndex and is answered with a signed LogoutResponse to the SP's SingleLogoutService; extra
  query fields play a broken IdP: ``signing`` ("none" or "foreign" key), ``status`` ("fail": the IdP
  answers that it could not log out), ``sigalg`` ("sha1": the query signed with RSA-SHA1, not the
  IdP's RSA-SHA256), ``encoding`` ("lower": the query percent-encoded in lower case, %2f as ADFS
  does, and signed over those bytes). A LogoutResponse (to the IdP's own LogoutRequest) is checked
  (signature by the SP's key, InResponseTo) and its status shown.
* ``POST /sp-metadata`` replaces the SP's metadata (its registration in the federation), for a
  browser test whose Lotsa runs on a live server rather than at http://testserver.
* ``GET /slo/initiate`` starts an IdP-initiated logout of this browser's IdP session: its session
  ends, and the browser is sent to the SP with a signed LogoutRequest (``signing``, ``sigalg`` and
  ``encoding`` as above).
* ``POST /login`` with ``pad_name_id`` puts whitespace around the NameID it gives (and keeps it so in
  its session, so its LogoutRequests name it the same way).
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote_plus
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.pack import deflate_and_base64_encode
from saml2.s_utils import status_message_factory, success_status_factory
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.samlp import STATUS_RESPONDER, STATUS_SUCCESS, STATUS_UNKNOWN_PRINCIPAL, response_from_string
from saml2.server import Server
from saml2.sigver import REQ_ORDER, RESP_ORDER, verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

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
                        "single_sign_on_service": [(base + "/sso/redirect", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(base + "/slo/redirect", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "policy": {
                        "default": {"lifetime": {"minutes": lifetime}, "attribute_restrictions": None}
                    },
                    "want_authn_requests_signed": True,
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                }
            },
        }
    )


COOKIE = "idp_session"


def redirect_headers(server: Server, message, where: str, relay_state: str, query: dict, *, response: bool):
    """The HTTP-Redirect binding's Location to ``where``: signed (RSA-SHA256 by default) unless
    ``signing=none``; ``sigalg=sha1`` signs with RSA-SHA1; ``encoding=lower`` percent-encodes the
    query in lower case and signs those very bytes (as some IdPs do, which the binding allows)."""
    sign = query.get("signing", "idp") != "none"
    sigalg = SIG_RSA_SHA1 if query.get("sigalg") == "sha1" else SIG_RSA_SHA256
    if query.get("encoding") != "lower":
        info = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(message),
            where,
            relay_state,
            response=response,
            sign=sign,
            sigalg=sigalg,
        )
        return info["headers"]
    kind = "SAMLResponse" if response else "SAMLRequest"
    fields = {kind: deflate_and_base64_encode(str(message)), "RelayState": relay_state, "SigAlg": sigalg}

    def lower(value: str) -> str:
        return re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote_plus(value))

    pieces = [
        f"{name}={lower(fields[name])}" for name in (RESP_ORDER if response else REQ_ORDER) if fields[name]
    ]
    if sign:
        signer = server.sec.sec_backend.get_signer(sigalg)
        signature = base64.b64encode(signer.sign("&".join(pieces).encode("ascii"))).decode()
        pieces.append(f"Signature={lower(signature)}")
    else:
        pieces = pieces[:1]
    return [("Location", f"{where}?{'&'.join(pieces)}")]


class App:
    def __init__(self, folder: Path, base: str):
        self.folder = folder
        self.base = base
        self.server = Server(config=idp_config(folder, base))
        self.pending: dict[str, dict] = {}  # login form key -> the request being answered
        # The IdP's own sessions: cookie value -> person, SP, NameID and SessionIndex of the login.
        self.sessions: dict[str, dict] = {}
        self.initiated: dict[str, str] = {}  # its own LogoutRequests' ids -> the SP's answer (status)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        try:
            if path == "/metadata":
                return self._send(start_response, "200 OK", (self.folder / "idp.xml").read_text(), "text/xml")
            if path == "/":
                return self._home(environ, start_response)
            if path == "/sessions":
                body = json.dumps({"sessions": list(self.sessions.values()), "logouts": self.initiated})
                return self._send(start_response, "200 OK", body, "application/json")
            if path == "/sso/redirect":
                return self._sso(environ, start_response)
            if path == "/login" and environ["REQUEST_METHOD"] == "POST":
                return self._login(environ, start_response)
            if path == "/slo/redirect":
                return self._slo(environ, start_response)
            if path == "/slo/initiate":
                return self._initiate(environ, start_response)
            if path == "/sp-metadata" and environ["REQUEST_METHOD"] == "POST":
                return self._register(environ, start_response)
        except Exception as error:
            return self._send(start_response, "400 Bad Request", f"<p>{html.escape(repr(error))}</p>")
        return self._send(start_response, "404 Not Found", "<p>Not found</p>")

    @staticmethod
    def _send(start_response, status: str, body: str, kind: str = "text/html; charset=utf-8", headers=()):
        data = body.encode()
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data))), *headers])
        return [data]

    @staticmethod
    def _query(environ) -> dict:
        return {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}

    def _session_key(self, environ) -> str | None:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        key = cookie[COOKIE].value if COOKIE in cookie else None
        return key if key in self.sessions else None

    def _server(self, signing: str) -> Server:
        """The IdP's machinery, or (``signing="foreign"``) the same IdP signing with a key no one trusts."""
        if signing != "foreign":
            return self.server
        server = Server(config=idp_config(self.folder, self.base, key="foreign"))
        server.config.entityid = self.base + ENTITY_ID_PATH
        return server

    def _register(self, environ, start_response):
        """The federation's registration of the SP changes (a browser test's Lotsa runs elsewhere than
        http://testserver): the SP's metadata is replaced and read again; the sessions stay."""
        size = int(environ.get("CONTENT_LENGTH") or 0)
        (self.folder / "sp.xml").write_bytes(environ["wsgi.input"].read(size))
        self.server = Server(config=idp_config(self.folder, self.base))
        return self._send(start_response, "200 OK", "<p>Registered</p>")

    def _home(self, environ, start_response):
        key = self._session_key(environ)
        if key:
            body = f"<h1>Signed in as {html.escape(self.sessions[key]['user'])}</h1>"
        else:
            body = "<h1>Sign in</h1><p>No one is signed in here.</p>"
        return self._send(start_response, "200 OK", f"<!doctype html><title>Test IdP</title>{body}")

    def _sso(self, environ, start_response):
        query = self._query(environ)
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
        name_id = NameID(format=NAMEID_FORMAT_TRANSIENT, text=secrets.token_hex(16))
        if form.get("pad_name_id"):
            name_id.text = f"\n  {name_id.text}  \n"
        identity = {form.get("attribute") or ATTRIBUTES[0]: [form["user"]]}
        groups = [group.strip() for group in form.get("groups", "").split(",") if group.strip()]
        if groups:
            identity[MEMBER_OF] = groups
        response = server.create_authn_response(
            identity=identity,
            in_response_to=asked["id"],
            destination=asked["acs"],
            sp_entity_id=audience,
            name_id=name_id,
            authn={"class_ref": form.get("level") or LEVELS[1], "authn_auth": self.base + ENTITY_ID_PATH},
            sign_assertion=signing != "none",
            # The Response is signed for the SP that asked (pysaml2's IdP signs only for SPs in its metadata).
            sign_response=signing != "none" and audience == asked["sp"],
        )
        # The IdP's session: what a LogoutRequest names (the NameID and the SessionIndex it gave).
        statements = response_from_string(str(response)).assertion[0].authn_statement
        cookie = self._session_key(environ) or secrets.token_urlsafe(16)
        self.sessions[cookie] = {
            "user": form["user"],
            "sp": asked["sp"],
            "name_id": name_id.text,
            "session_index": statements[0].session_index,
        }
        info = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            destination=asked["acs"],
            relay_state=asked["relay_state"],
            response=True,
        )
        set_cookie = ("Set-Cookie", f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax")
        return self._send(start_response, "200 OK", info["data"], headers=[set_cookie])

    def _slo(self, environ, start_response):
        query = self._query(environ)
        if "SAMLResponse" in query:
            return self._slo_answered(query, start_response)
        # want_authn_requests_signed: pysaml2 checks the Signature of the query against the SP's metadata.
        request = self.server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        message = request.message
        sp = message.issuer.text
        indexes = {index.text for index in message.session_index or []}
        ended = [
            key
            for key, session in self.sessions.items()
            if session["sp"] == sp
            and session["name_id"] == message.name_id.text
            and (not indexes or session["session_index"] in indexes)
        ]
        for key in ended:
            del self.sessions[key]
        if query.get("status") == "fail":
            status = status_message_factory("The IdP could not log out", STATUS_RESPONDER)
        elif ended:
            status = success_status_factory()
        else:
            status = status_message_factory("No such session", STATUS_UNKNOWN_PRINCIPAL)
        server = self._server(query.get("signing", "idp"))
        answer = server.create_logout_response(message, bindings=[BINDING_HTTP_REDIRECT], status=status)
        where = server.response_args(message, [BINDING_HTTP_REDIRECT])["destination"]
        headers = redirect_headers(server, answer, where, query.get("RelayState", ""), query, response=True)
        return self._send(start_response, "302 Found", "", headers=headers)

    def _slo_answered(self, query, start_response):
        """The SP's LogoutResponse to the IdP's own LogoutRequest: signed by the SP, to a request sent."""
        response = self.server.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
        sp = response.issuer()
        message = {
            key: query[key] for key in ("SAMLResponse", "RelayState", "SigAlg", "Signature") if key in query
        }
        signed = "Signature" in query and any(
            verify_redirect_signature(message, self.server.sec.sec_backend, cert)
            for _name, cert in self.server.metadata.certs(sp, "spsso", "signing")
        )
        if not signed or response.in_response_to not in self.initiated:
            return self._send(
                start_response, "400 Bad Request", "<p>Not a signed answer to a logout sent here</p>"
            )
        status = response.response.status.status_code.value
        self.initiated[response.in_response_to] = status
        words = "Signed out of the service" if status == STATUS_SUCCESS else "The service did not confirm"
        return self._send(start_response, "200 OK", f"<!doctype html><title>Test IdP</title><h1>{words}</h1>")

    def _initiate(self, environ, start_response):
        """IdP-initiated logout: this browser's IdP session ends, and the SP is asked to end its own."""
        query = self._query(environ)
        key = self._session_key(environ)
        if key is None:
            return self._send(start_response, "400 Bad Request", "<p>No one is signed in here</p>")
        session = self.sessions.pop(key)
        signing = query.get("signing", "idp")
        server = self._server(signing)
        services = server.metadata.single_logout_service(session["sp"], BINDING_HTTP_REDIRECT, "spsso")
        where = services[0]["location"]
        request_id, request = server.create_logout_request(
            where,
            session["sp"],
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=session["name_id"]),
            session_indexes=[session["session_index"]],
            sign=False,
        )
        self.initiated[request_id] = ""
        headers = redirect_headers(server, request, where, "", query, response=False)
        return self._send(start_response, "302 Found", "", headers=headers)


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
