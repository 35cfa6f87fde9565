"""Request-wide middleware of the kernel."""

from __future__ import annotations

import ipaddress
import logging
import uuid

from auditlog.context import set_actor
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control

from lotsa import access, context, crypto
from lotsa.access import AccessDenied, ensure_recorded

log = logging.getLogger("lotsa.access")


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless it is a trusted proxy, then the rightmost
    X-Forwarded-For entry that is not itself a trusted proxy. A client cannot forge it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = set(settings.LOTSA_TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for candidate in reversed(forwarded):
        if candidate in trusted:
            continue
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return remote
        return candidate
    return remote


def client_ip_for_axes(request) -> str:
    return client_ip(request)


class RequestContextMiddleware:
    """Gives every request an id, its trusted client address and a per-request data-key cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        info = context.RequestInfo(request_id=uuid.uuid4().hex, client_ip=client_ip(request))
        request.lotsa = info
        with context.bind(info), crypto.key_cache():
            response = self.get_response(request)
            access.keep_decisions()
        response["X-Request-ID"] = info.request_id
        return response


class NoStoreMiddleware:
    """Nothing a logged-in user is shown may be kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.lotsa is not None:
            request.lotsa.user = user
        response = self.get_response(request)
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class AccessDeniedMiddleware:
    """Turns a denial into the 403 page, and makes sure the denial survives a rolled-back transaction.

    ``access.check`` records the denial where it is called; if that was inside a transaction the
    view then rolled back, the event is gone, so it is written again here, outside it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AccessDenied):
            return None
        ensure_recorded(exception, actor=request.user)
        log.info("access denied: %s %s %s", exception.action, exception.target_type, exception.target_id)
        return render(request, "403.html", status=403)


class LanguageMiddleware(LocaleMiddleware):
    """Swedish unless the user chose otherwise (the language cookie). The browser's
    Accept-Language is not consulted: the interface language of the service is Swedish."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


class AuditlogActorMiddleware:
    """Names the user (and the trusted client address) in django-auditlog's change records.

    Used instead of auditlog's own middleware, which believes any X-Forwarded-For a client sends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with set_actor(user, remote_addr=request.lotsa.client_ip or None):
            return self.get_response(request)
