"""Locust users for the msphub load test (run by bench/load.py; see its docstring).

Three kinds of people use the service at once, each through the same pages and forms as a browser:

- practitioners sign in, look at their caseload and the front-door queue, search for people, open
  enquiries, record reviews and ask for enquiries to be closed;
- team managers look at closures awaiting sign-off and sign them off;
- partner referrers (police, NHS) raise concerns through every question page, check their answers,
  send, and read the reference on the confirmation page. One in ten presses "Accept and send" twice at
  once, as an impatient double click does, to exercise the submission token.

Settings come from a JSON plan written by bench/load.py (LOAD_PLAN): user names, the password, and for
each practitioner the open enquiries they lead, shared out so no two simulated users write to the same
enquiry. Every write that the server confirms is appended to LOAD_OUT/writes.jsonl with a client-side
key (a marker in the text written, or the enquiry reference), and every request's timing to
LOAD_OUT/requests.csv, so load.py can check the database and compute exact percentiles afterwards.

Request names start with "GET " (a page view) or "POST " (a form sent); POSTs are not followed to the
page they redirect to, so a write's time is the write alone, and the page after it is its own GET.
"""

import csv
import itertools
import json
import os
import random
import re
import threading
import uuid
from collections import defaultdict
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.environ.get("LOAD_PLAN") else {}
OUT = Path(os.environ.get("LOAD_OUT", "var/load"))
THINK = float(os.environ.get("LOAD_THINK_SCALE", "1"))
DOUBLE_PRESS = float(os.environ.get("LOAD_DOUBLE_PRESS", "0.1"))  # share of concerns sent by a double click
PASSWORD = PLAN.get("password", "")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

ENQUIRY_LINK = re.compile(r'href="/enquiries/(ENQ-\d{4}-\d{6})/"')
CONCERN_LINK = re.compile(r'href="/concerns/(CON-\d{4}-\d{6})/"')
PERSON_LINK = re.compile(r'href="/people/([0-9a-f-]{36})/"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
REFERENCE = re.compile(r'id="concern-reference">(CON-\d{4}-\d{6})<')
SIGN_OFF_LINK = re.compile(r'href="/enquiries/(ENQ-\d{4}-\d{6})/close/sign-off/"')

# --- What the run records ------------------------------------------------------------------------

_rows: list[tuple] = []
_lock = threading.Lock()
_writes = None


def record_write(kind: str, **fields) -> None:
    """One confirmed write, as a line of JSON, flushed at once so a crash loses nothing confirmed."""
    global _writes
    with _lock:
        if _writes is None:
            OUT.mkdir(parents=True, exist_ok=True)
            _writes = (OUT / "writes.jsonl").open("a", encoding="utf-8")
        _writes.write(json.dumps({"kind": kind, **fields}) + "\n")
        _writes.flush()


@events.request.add_listener
def _on_request(
    request_type, name, response_time, response_length, exception=None, start_time=0, **kw
) -> None:
    error = "" if exception is None else str(exception)[:200]
    _rows.append((name, round(start_time or 0, 3), round(response_time, 2), 0 if exception else 1, error))


@events.quitting.add_listener
def _on_quitting(environment, **kwargs) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "requests.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "start", "ms", "ok", "error"])
        writer.writerows(_rows)
    if _writes is not None:
        _writes.close()


# --- Reading forms ---------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of the page's main form: a POST form with no action (it posts to its own page)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.current = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action"),
                "fields": [],
            }
            self.forms.append(self.current)
            return
        if self.current is None:
            return
        fields = self.current["fields"]
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            fields.append((a["name"], kind, a.get("value") or "", "checked" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            fields.append((a["name"], "textarea", "", False))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            fields.append((a["name"], "select", "", False))
        elif tag == "option" and self.select:
            fields.append((self.select, "option", a.get("value") or "", "selected" in a))

    def handle_data(self, data: str) -> None:
        if self.textarea and self.current:
            name, kind, value, checked = self.current["fields"][-1]
            self.current["fields"][-1] = (name, kind, value + data, checked)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def main_form(html: str) -> dict:
    """Fields of the page's own POST form: {name: [(kind, value, checked), ...]} in page order."""
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if form["method"] == "post" and not form["action"]:
            grouped: dict[str, list] = defaultdict(list)
            for name, kind, value, checked in form["fields"]:
                grouped[name].append((kind, value.strip() if kind == "textarea" else value, checked))
            return grouped
    raise ValueError("no form on the page")


def fill(fields: dict, answers: dict) -> dict:
    """What a person would send: given answers first, else what the page already shows (prefilled
    values, checked radios), else the first choice of a radio group."""
    data: dict = {}
    for name, options in fields.items():
        kind = options[0][0]
        if name in answers:
            data[name] = answers[name]
        elif kind in ("submit", "button"):
            continue
        elif kind == "radio":
            checked = [v for k, v, c in options if c]
            data[name] = checked[0] if checked else options[0][1]
        elif kind == "checkbox":
            checked = [v for k, v, c in options if c]
            if checked:
                data[name] = checked
        elif kind == "select":
            chosen = [v for k, v, c in options[1:] if c]
            data[name] = chosen[0] if chosen else ""
        else:
            data[name] = options[0][1]
    return data


def today_parts(prefix: str) -> dict:
    today = date.today()
    return {f"{prefix}_day": today.day, f"{prefix}_month": today.month, f"{prefix}_year": today.year}


# --- Shared state of the simulated users (one locust process, so plain Python is enough) -------

_practitioner_turn = itertools.count()
_manager_turn = itertools.count()
_partner_turn = itertools.count()
_enquiry_shares: dict[str, list[list[str]]] = {}
_signing_off: set[str] = set()


def enquiries_for(username: str, share: int) -> list[str]:
    """The open enquiries this simulated user may write to: a share of its practitioner's own, cut so
    that simulated users signed in as the same practitioner never write to the same enquiry."""
    per_user = PLAN.get("sharers", {}).get(username, 1)
    if username not in _enquiry_shares:
        refs = list(PLAN.get("enquiries", {}).get(username, []))
        _enquiry_shares[username] = [refs[i::per_user] for i in range(per_user)]
    return _enquiry_shares[username][share % per_user]


class MsphubUser(FastHttpUser):
    abstract = True
    username = ""

    def wait_time(self) -> float:
        """Between tasks; inside a task, think() waits between pages."""
        return random.uniform(2, 6) * THINK

    def think(self, low: float = 1.5, high: float = 5.0) -> None:
        gevent.sleep(random.uniform(low, high) * THINK)

    def page(self, url: str, name: str, must: re.Pattern | None = None):
        """A page view (GET); fails unless it answers 200 (and shows `must`, if given)."""
        with self.client.get(url, name=f"GET {name}", catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} from {url}")
                return None
            if must is not None and not must.search(r.text):
                r.failure(f"{url} does not show {must.pattern}")
                return None
            return r

    def send(self, url: str, data: dict, name: str, expect: int = 302):
        """A form sent (POST) with the page's CSRF token; fails unless it redirects."""
        body = urlencode({"csrfmiddlewaretoken": self.csrf(), **data}, doseq=True)
        with self.client.post(
            url, data=body, headers=FORM, name=f"POST {name}", catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != expect:
                r.failure(f"{r.status_code} from POST {url}")
                return None
            return r

    def lookup(self, url: str, data: dict, name: str):
        """A search: posted (so names stay out of URLs) but a page view, reported with the GETs."""
        body = urlencode({"csrfmiddlewaretoken": self.csrf(), **data}, doseq=True)
        with self.client.post(
            url, data=body, headers=FORM, name=f"SEARCH {name}", catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} from search {url}")
                return None
            return r

    def csrf(self) -> str:
        """The CSRF cookie's value, which Django also accepts as the form's token (it is HttpOnly to
        scripts in a browser, not to a client that reads its own cookie jar)."""
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def on_start(self) -> None:
        # Never follow redirects, for every request: locust switches this per request otherwise, and
        # two requests in flight at once (the double press) would undo each other's switch.
        self.client.client.redirect_response_codes = frozenset()

    def sign_in(self) -> None:
        page = self.page("/accounts/login/", "sign in")
        if page is None:
            raise StopUser()
        for asset in sorted(set(STATIC_LINK.findall(page.text))):
            # A first visit fetches the stylesheet and script; the browser caches them after that.
            self.client.get(asset, name="static")
        self.think(2, 4)
        if (
            self.send("/accounts/login/", {"username": self.username, "password": PASSWORD}, "sign in")
            is None
        ):
            raise StopUser()
        self.page("/accounts/home/", "home")


# --- Practitioners -------------------------------------------------------------------------------


class Practitioner(MsphubUser):
    fixed_count = PLAN.get("counts", {}).get("practitioners", 6)

    def on_start(self) -> None:
        names = PLAN["practitioners"]
        turn = next(_practitioner_turn)
        self.username = names[turn % len(names)]
        self.mine = enquiries_for(self.username, turn // len(names))
        self.surnames = PLAN.get("surnames", {}).get(self.username) or ["Smith"]
        super().on_start()
        self.sign_in()

    @task(4)
    def caseload(self) -> None:
        show = random.choice(["mine", "mine", "team", "review_overdue", "all"])
        page = self.page(f"/enquiries/?show={show}", f"/enquiries/?show={show}")
        if page is not None and (refs := ENQUIRY_LINK.findall(page.text)):
            self.think()
            self.page(f"/enquiries/{random.choice(refs)}/", "/enquiries/[ref]/")

    @task(3)
    def front_door(self) -> None:
        page = self.page("/concerns/", "/concerns/")
        if page is not None and (refs := CONCERN_LINK.findall(page.text)):
            self.think()
            self.page(f"/concerns/{random.choice(refs)}/", "/concerns/[ref]/")

    @task(3)
    def search(self) -> None:
        name = random.choice(self.surnames)
        page = self.lookup("/people/", {"name": name}, "/people/ search by surname")
        if page is not None and (people := PERSON_LINK.findall(page.text)):
            self.think()
            self.page(f"/people/{random.choice(people)}/", "/people/[uuid]/")

    @task(1)
    def home(self) -> None:
        self.page("/accounts/home/", "home")

    @task(3)
    def review(self) -> None:
        if not self.mine:
            return self.caseload()
        reference = random.choice(self.mine)
        if self.page(f"/enquiries/{reference}/", "/enquiries/[ref]/") is None:
            return
        self.think()
        url = f"/enquiries/{reference}/reviews/new/"
        form = self.page(url, "/enquiries/[ref]/reviews/new/")
        if form is None:
            return
        self.think(5, 15)  # typing the review
        marker = f"load-review-{uuid.uuid4()}"
        fields = main_form(form.text)
        answers = {
            **today_parts("held_on"),
            "participants": "The person and their daughter",
            "persons_view": f"I feel safer now the carers come twice a day. ({marker})",
            "outcome_changes": "",
        }
        for name in fields:
            if name.startswith("progress_"):
                answers[name] = "Some progress since the last review"
        if self.send(url, fill(fields, answers), "/enquiries/[ref]/reviews/new/") is not None:
            record_write("review", marker=marker, enquiry=reference, user=self.username)
            self.page(f"/enquiries/{reference}/", "/enquiries/[ref]/")

    @task(1)
    def request_closure(self) -> None:
        if len(self.mine) < 2:  # keep one enquiry to review
            return self.caseload()
        reference = self.mine.pop(random.randrange(len(self.mine)))
        url = f"/enquiries/{reference}/close/"
        form = self.page(url, "/enquiries/[ref]/close/")
        if form is None:
            return
        self.think(5, 12)
        fields = main_form(form.text)
        answers = {"closure_note": "Risks reduced; the person feels safe and wants to close."}
        achievements = [
            n for n in fields if n.startswith("achievement_") and not n.startswith("achievement_note")
        ]
        asked = [v for k, v, c in fields.get("msp_asked", []) if c]
        if achievements:
            answers["msp_asked"] = "Yes they were asked and outcomes were expressed"
            for name in achievements:
                answers[name] = random.choice([v for _k, v, _c in fields[name][:2]])  # fully or partly
        elif not asked:
            answers["msp_asked"] = "Yes they were asked but no outcomes were expressed"
        answers.setdefault("closure_reason", fields["closure_reason"][0][1])
        if self.send(url, fill(fields, answers), "/enquiries/[ref]/close/") is not None:
            record_write("closure_request", enquiry=reference, user=self.username)
            self.page(f"/enquiries/{reference}/", "/enquiries/[ref]/")


# --- Team managers ---------------------------------------------------------------------------------


class Manager(MsphubUser):
    fixed_count = PLAN.get("counts", {}).get("managers", 1)

    def on_start(self) -> None:
        names = PLAN["managers"]
        self.username = names[next(_manager_turn) % len(names)]
        super().on_start()
        self.sign_in()

    @task(1)
    def team_caseload(self) -> None:
        page = self.page("/enquiries/?show=team", "/enquiries/?show=team")
        if page is not None and (refs := ENQUIRY_LINK.findall(page.text)):
            self.think()
            self.page(f"/enquiries/{random.choice(refs)}/", "/enquiries/[ref]/")

    @task(3)
    def sign_off(self) -> None:
        page = self.page("/enquiries/?show=sign_off", "/enquiries/?show=sign_off")
        if page is None:
            return
        refs = [r for r in dict.fromkeys(ENQUIRY_LINK.findall(page.text)) if r not in _signing_off]
        random.shuffle(refs)
        for reference in refs[:3]:
            self.think()
            detail = self.page(f"/enquiries/{reference}/", "/enquiries/[ref]/")
            # Only a manager of the enquiry's team sees the sign-off button; another simulated
            # manager may have taken this one while we were reading.
            if detail is None or not SIGN_OFF_LINK.search(detail.text) or reference in _signing_off:
                continue
            _signing_off.add(reference)
            url = f"/enquiries/{reference}/close/sign-off/"
            form = self.page(url, "/enquiries/[ref]/close/sign-off/")
            if form is None:
                return
            self.think(3, 8)
            approve = {"action": "approve", "returned_comment": ""}
            if self.send(url, approve, "/enquiries/[ref]/close/sign-off/") is not None:
                record_write("closure_sign_off", enquiry=reference, user=self.username)
                self.page(f"/enquiries/{reference}/", "/enquiries/[ref]/")
            return


# --- Partner referrers -----------------------------------------------------------------------------

RISK_TYPES = ["Physical Abuse", "Neglect and Acts of Omission", "Financial or Material Abuse", "Self-Neglect"]


class PartnerReferrer(MsphubUser):
    fixed_count = PLAN.get("counts", {}).get("partners", 3)

    def on_start(self) -> None:
        names = PLAN["partners"]
        self.username = names[next(_partner_turn) % len(names)]
        super().on_start()
        self.sign_in()

    @task(1)
    def my_concerns(self) -> None:
        self.page("/concerns/raised/", "/concerns/raised/")

    @task(3)
    def raise_concern(self) -> None:
        start = self.page("/concerns/raise/", "/concerns/raise/")
        if start is None:
            return
        self.think(2, 4)
        sent = self.send("/concerns/raise/", {}, "/concerns/raise/")
        marker = f"load-concern-{uuid.uuid4()}"
        answers = {
            "council": None,  # the first council offered, when there is a choice
            "immediate_danger": "no",
            "raiser_phone": "01632 960001",
            "adult_given_name": "Test",
            "adult_family_name": f"Person{random.randint(1, 9999)}",
            "adult_postcode": "",
            "what_happened": f"Bruises seen on the adult's arms at a home visit today. ({marker})",
            "risk_types": [random.choice(RISK_TYPES)],
            "location_of_risk": "Own Home",
            "source_of_risk": "Other - Known to individual",
            "care_provider_name": "",
            "consent": "given",
            "msp_asked": "yes",
            "wants_to_happen": "I want to feel safe at home.",
        }
        steps = 0
        while sent is not None and steps < 12:
            steps += 1
            url = sent.headers.get("Location", "")
            if url.endswith("/concerns/raise/check-answers/"):
                break
            slug = url.rstrip("/").rsplit("/", 1)[-1]
            question = self.page(url, "/concerns/raise/[question]/")
            if question is None:
                return
            self.think(3, 10)  # reading and typing
            fields = main_form(question.text)
            given = {k: v for k, v in answers.items() if k in fields and v is not None}
            sent = self.send(url, fill(fields, given), f"/concerns/raise/{slug}/")
        if sent is None:
            return
        check = self.page("/concerns/raise/check-answers/", "/concerns/raise/check-answers/")
        if check is None:
            return
        self.think(4, 10)
        double = random.random() < DOUBLE_PRESS
        if double:
            # Two presses of "Accept and send" in flight at once; the browser shows the page the
            # second one answers, so one that succeeded is enough to go on to the confirmation.
            name = "/concerns/raise/check-answers/ (pressed twice)"
            jobs = [gevent.spawn(self.send, "/concerns/raise/check-answers/", {}, name) for _ in "ab"]
            gevent.joinall(jobs)
            sent = next((j.value for j in jobs if j.value is not None), None)
        else:
            sent = self.send("/concerns/raise/check-answers/", {}, "/concerns/raise/check-answers/")
        if sent is None:
            return
        done = self.page("/concerns/raise/confirmation/", "/concerns/raise/confirmation/", must=REFERENCE)
        if done is not None:
            reference = REFERENCE.search(done.text).group(1)
            record_write("concern", marker=marker, reference=reference, user=self.username, double=double)
