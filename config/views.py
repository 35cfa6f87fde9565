from django.db import connection
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import timezone

from accounts.roles import CASE_PAGE_ROLES, Role
from accounts.selectors import pending_requests_about
from lotsa import calendar_items
from lotsa.menu import START, links_for
from lotsa.waiting import waiting_for


def home(request):
    """The start page: what waits for the user first, then the pages that open for them (lotsa.menu:
    never one that would refuse them). It shows no personal data itself: counts and links."""
    user = request.user
    return render(
        request,
        "home.html",
        {
            "about_me": pending_requests_about(user=user),
            "waiting": waiting_for(user),
            "links": links_for(user, START),
            # Which sentence says what the user does here (the links are decided above, not by these).
            "is_administrator": user.has_role(Role.ADMINISTRATOR),
            "works_with_cases": user.has_role(*CASE_PAGE_ROLES),
        },
    )


def calendar(request):
    """The user's calendar: their own meetings, follow-ups and re-assessments, the next eight weeks
    (``?past=1``: and the week before), by month and day; each links to its case's or group's page."""
    today = timezone.localdate()
    past = request.GET.get("past") == "1"
    start, end = calendar_items.period(today=today, past=past)
    items = calendar_items.calendar_items_visible_to(user=request.user, start=start, end=end)
    return render(
        request, "calendar.html", {"items": items, "past": past, "start": start, "end": end, "today": today}
    )


def health(request):
    """For a load balancer: the database answers. Says nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": ""}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors, no request data: the page must render even when the database is down,
    # and must never show what the failed request was about.
    return HttpResponseServerError(loader.get_template("500.html").render())
