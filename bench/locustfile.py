"""The load row's simulated users (run by bench/load.py; see docs/benchmarks.md).

Social workers list their cases, open case pages, search by personal identity number and by name, and
write journal entries; police members of intervention groups read what is shared with them; the
defector programme opens its overview and its cases' pages; the unit's supervisor opens the desk (what
waits) and who accessed a person. Every user arrives with a logged-in session prepared by
bench/load.py (the login itself is not measured). Redirects are not followed, so that one locust
request is one HTTP request.

The users are locust's FastHttpUser (geventhttpclient): the harness shares the two cores with the
server it measures, and costs several times less CPU a request than the requests-based HttpUser.
"""

from __future__ import annotations

import json
import os
import random
from itertools import count

from locust import FastHttpUser, between, events, task
from requests.cookies import create_cookie

from bench.load import KINDS

DATA = json.loads(open(os.environ["LOTSA_LOAD_DATA"]).read())
_slots = {kind: count() for kind in KINDS}
_request_ids: list[str] = []


@events.request.add_listener
def _remember_request_id(response=None, exception=None, **kwargs):
    """Every answered request's id, so the runner can check each has its access event."""
    if response is not None and exception is None:
        _request_ids.append(response.headers.get("X-Request-ID", "") or "")


@events.quitting.add_listener
def _write_request_ids(**kwargs):
    with open(os.environ["LOTSA_LOAD_IDS"], "w") as handle:
        json.dump(_request_ids, handle)


class _Session(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)  # seconds between clicks: far busier than any social worker
    kind = ""

    def on_start(self):
        sessions = DATA["sessions"][self.kind]
        session = sessions[next(_slots[self.kind]) % len(sessions)]
        self.client.cookiejar.set_cookie(create_cookie(DATA["cookie"], session, domain="127.0.0.1"))
        self.client.cookiejar.set_cookie(
            create_cookie("csrftoken", DATA["csrf"][session], domain="127.0.0.1")
        )
        self.csrf = DATA["csrf"][session]

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def post(self, url: str, data: dict, name: str, expect: int):
        data = {"csrfmiddlewaretoken": self.csrf, **data}
        headers = {"Referer": DATA["host"] + url, "X-CSRFToken": self.csrf}
        with self.client.post(
            url, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"status {response.status_code}")


class SocialWorker(_Session):
    weight = KINDS["worker"][1]
    kind = "worker"

    @task(3)
    def my_cases(self):
        self.get("/cases/", "my cases")

    @task(4)
    def case_page(self):
        self.get(f"/cases/{random.choice(DATA['cases'])}/", "case page")

    @task(1)
    def search(self):
        number = random.choice(DATA["numbers"])
        self.post("/cases/search/", {"personal_number": number}, "search by number", 200)

    @task(1)
    def search_by_name(self):
        self.post("/cases/search/", random.choice(DATA["names"]), "search by name", 200)

    @task(1)
    def journal_write(self):
        case = random.choice(DATA["cases"])
        self.post(
            f"/cases/{case}/journal/",
            {"category": "housing", "text": "Belastningstest: anteckning"},
            "journal write",
            302,
        )


class PoliceMember(_Session):
    weight = KINDS["police"][1]
    kind = "police"

    @task(1)
    def shared_list(self):
        self.get("/consent/shared/", "shared list")

    @task(2)
    def shared_person(self):
        person = random.choice(DATA["shared"])
        self.get(f"/consent/shared/{person}/intervention_group/", "shared person")


class ProgrammeWorker(_Session):
    weight = KINDS["programme"][1]
    kind = "programme"

    @task(1)
    def overview(self):
        self.get("/defectors/", "programme overview")

    @task(3)
    def programme_page(self):
        self.get(f"/defectors/{random.choice(DATA['programme'])}/", "programme page")


class Supervisor(_Session):
    weight = KINDS["supervisor"][1]
    kind = "supervisor"

    @task(1)
    def desk(self):
        self.get("/supervision/", "supervisor's desk")

    @task(2)
    def who_accessed(self):
        self.get(f"/supervision/people/{random.choice(DATA['people'])}/access/", "who accessed")
