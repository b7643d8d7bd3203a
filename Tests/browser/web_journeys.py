"""The web page in a real browser, as people use it.

Debian's Chromium and its driver, driven by Selenium (the driver's path given, nothing
downloaded), against `aso-engine serve` on loopback with a log made by the command line.
Every screen is checked with axe-core for WCAG 2.1 A and AA violations; the main screens
are saved as screenshots (into ASO_SCREENSHOTS when set). The calendar feed is parsed
with the `icalendar` package.

Run by scripts/browser-tests (which installs what is missing); needs `swift build` first.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENGINE = os.path.join(ROOT, ".build", "debug", "aso-engine")
PROCESSES = os.path.join(ROOT, "processes")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source():
    import axe_playwright_python

    path = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


class WebJourneys(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="aso-web-")
        cls.db = os.path.join(cls.work, "web.sqlite")
        cls.shots = os.environ.get("ASO_SCREENSHOTS") or os.path.join(cls.work, "screenshots")
        os.makedirs(cls.shots, exist_ok=True)

        def run(*args, actor="cora"):
            catalog = ["--processes", PROCESSES] if args[0] == "open" else []
            result = subprocess.run(
                [ENGINE, *args, "--db", cls.db, *catalog, "--actor", actor],
                capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise RuntimeError(f"{args}: {result.stderr}")
            return result.stdout.strip()

        # A directory of people: a coordinator who chairs the group, a prison worker who is
        # also a housing counsellor, and a landlord's worker who must not see their cases.
        run("principals", "add", "cora", "--organisation", "community-sanctions-office", "--role", "coordinator", "--role", "chair")
        run("principals", "add", "anna", "--organisation", "prison", "--role", "responsible-worker", "--role", "counsellor")
        run("principals", "add", "olli", "--organisation", "landlord", "--role", "responsible-worker")
        cls.tokens = {who: run("token", "create", "--for", who) for who in ("cora", "anna", "olli")}
        run("open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-04-20", "--worker", "anna", actor="anna")
        run("open", "vat-generic", "--case", "vat-2", "--set", "releaseDate=2027-03-02", "--worker", "anna", actor="anna")
        # The consent names the chair's office: the chair sees the client on the agenda.
        run("consent", "vat-2", "--parties", "prison,adult-social-work,community-sanctions-office", actor="anna")
        run("open", "walk-in-housing", "--case", "w-1", "--set", "contactDate=2026-11-27", "--set", "contactChannel=walk-in",
            "--worker", "anna", actor="anna")

        # The county's identity provider, for signing in there (the authorization-code flow).
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import identity_provider

        cls.provider, issuer = identity_provider.start(cls.work)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with open(os.path.join(cls.work, "oidc.json"), "w", encoding="utf-8") as handle:
            json.dump({"issuer": issuer, "audience": "aso-engine", "jwksFile": "jwks.json", "actorClaim": "preferred_username",
                       "organisationClaim": "org", "rolesClaim": "roles", "rolePrefix": "aso:",
                       "authorizationEndpoint": issuer + "/authorize", "tokenEndpoint": issuer + "/token",
                       "redirectURI": f"http://127.0.0.1:{port}/sign-in/oidc/callback"}, handle)
        cls.server = subprocess.Popen(
            [ENGINE, "serve", "--db", cls.db, "--processes", PROCESSES, "--port", str(port),
             "--oidc", os.path.join(cls.work, "oidc.json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = cls.server.stdout.readline()
        match = re.match(r"Listening on (http://\S+)", line)
        if not match:
            cls.server.kill()
            raise RuntimeError("the server did not start: " + line + cls.server.stderr.read())
        cls.url = match.group(1)

        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=fi"):
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        cls.browser = webdriver.Chrome(service=service, options=options)
        cls.browser.implicitly_wait(10)
        cls.axe = axe_source()
        cls.checked = set()

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.provider.shutdown()
        cls.server.terminate()
        try:
            _, errors = cls.server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            cls.server.kill()
            _, errors = cls.server.communicate()
        shutil.rmtree(cls.work, ignore_errors=True)
        if "request failed" in errors:
            raise AssertionError("the server logged failures:\n" + errors)

    # MARK: Helpers

    def go(self, path):
        self.browser.get(self.url + path)

    def text(self):
        # One script call: no stale element when the page changes under it.
        return self.browser.execute_script("return document.body ? document.body.innerText : ''")

    def wait_for(self, condition, what):
        """Waits up to 10 s for a page that the last click or submit loads."""
        WebDriverWait(self.browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: condition(), message=what)

    def wait_url(self, part):
        self.wait_for(lambda: part in self.browser.current_url, f"the address to hold {part}")

    def wait_text(self, text):
        self.wait_for(lambda: text in self.text(), f"the page to say {text!r}")

    def heading(self):
        return self.browser.find_element(By.TAG_NAME, "h1").text

    def sign_in(self, who):
        self.browser.delete_all_cookies()
        self.go("/tasks")
        self.assertIn("/sign-in", self.browser.current_url)
        field = self.browser.find_element(By.ID, "token")
        field.send_keys(self.tokens[who])
        field.submit()
        self.wait_for(lambda: "/sign-in" not in self.browser.current_url, "signing in")

    def check_accessibility(self, name):
        """axe-core in the page: no WCAG 2.1 A or AA violation."""
        self.browser.execute_script(self.axe)
        result = self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))))"
            ".catch(e => done(JSON.stringify([{id: 'axe-error', help: String(e), nodes: []}])));",
            AXE_TAGS)
        violations = json.loads(result)
        self.checked.add(name)
        self.assertEqual(violations, [], f"accessibility violations on {name}: {json.dumps(violations, indent=1)}")

    def screenshot(self, name):
        self.browser.execute_script("window.scrollTo(0, 0)")
        self.browser.save_screenshot(os.path.join(self.shots, name + ".png"))

    # MARK: Journeys (in order: they share one log)

    def test_01_worker_signs_in_and_sees_due_tasks(self):
        self.go("/sign-in")
        self.check_accessibility("sign-in")
        self.screenshot("sign-in")
        # A wrong token: the message is at the field.
        field = self.browser.find_element(By.ID, "token")
        field.send_keys("aso_000000000000_wrong")
        field.submit()
        self.wait_text("Käyttöavain ei kelpaa")
        self.assertIn("Käyttöavain ei kelpaa", self.browser.find_element(By.ID, "token-error").text)
        self.assertEqual(self.browser.find_element(By.ID, "token").get_attribute("aria-invalid"), "true")
        self.check_accessibility("sign-in with an error")
        self.sign_in("anna")
        self.assertEqual(self.heading(), "Omat tehtävät")
        body = self.text()
        self.assertIn("w-1", body)
        self.assertIn("vat-1", body)
        self.check_accessibility("my tasks")
        self.screenshot("my-tasks")
        # Each date's reason is a click away.
        self.browser.find_element(By.CSS_SELECTOR, "a.why").click()
        self.wait_url("/explanation")
        self.assertIn("Miksi", self.heading())
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, "ol.explanation li"))
        self.check_accessibility("why this date")

    def test_02_bad_value_is_shown_at_its_field_then_the_task_is_done(self):
        self.sign_in("anna")
        self.browser.find_element(By.PARTIAL_LINK_TEXT, "Meet the client").click()
        self.wait_url("/cases/w-1")
        self.assertEqual(self.heading(), "Asia w-1")
        self.check_accessibility("case page")
        self.screenshot("case")
        date = self.browser.find_element(By.ID, "f-first-meeting-firstMeetingDate")
        date.send_keys("31.2.2027")
        Select(self.browser.find_element(By.ID, "f-first-meeting-meetingPlace")).select_by_value("office")
        date.submit()
        self.wait_text("Tarkista tiedot")
        error = self.browser.find_element(By.ID, "f-first-meeting-firstMeetingDate-error")
        self.assertIn("oikea päivämäärä", error.text)
        field = self.browser.find_element(By.ID, "f-first-meeting-firstMeetingDate")
        self.assertEqual(field.get_attribute("aria-invalid"), "true")
        self.assertEqual(field.get_attribute("value"), "31.2.2027", "what was typed is kept")
        self.assertIn("f-first-meeting-firstMeetingDate-error", field.get_attribute("aria-describedby"))
        # The error summary links to the field.
        self.browser.find_element(By.CSS_SELECTOR, ".error-summary a").click()
        self.check_accessibility("case page with a form error")
        self.screenshot("case-form-error")
        field.clear()
        field.send_keys("30.11.2026")
        field.submit()
        self.wait_text("Tehtävä on tehty")
        history = self.browser.find_element(By.CSS_SELECTOR, "ol.timeline").text
        self.assertIn("Tehtävä tehty: Meet the client", history)
        self.go("/tasks")
        self.assertNotIn("Meet the client", self.text(), "the done task left the list")

    def test_03_language_changes(self):
        self.sign_in("anna")
        self.browser.find_element(By.LINK_TEXT, "Svenska").click()
        self.wait_text("Mina uppgifter")
        self.assertEqual(self.heading(), "Mina uppgifter")
        self.assertEqual(self.browser.find_element(By.TAG_NAME, "html").get_attribute("lang"), "sv")
        self.check_accessibility("my tasks in Swedish")
        self.browser.find_element(By.LINK_TEXT, "English").click()
        self.wait_text("My tasks")
        self.assertEqual(self.heading(), "My tasks")
        self.browser.find_element(By.LINK_TEXT, "Suomi").click()
        self.wait_text("Omat tehtävät")
        self.assertEqual(self.heading(), "Omat tehtävät")

    def test_04_chair_builds_the_next_meeting(self):
        self.sign_in("cora")
        self.browser.find_element(By.LINK_TEXT, "Kokous").click()
        self.wait_url("/meetings")
        self.assertEqual(self.heading(), "Asiakasohjausryhmän kokous")
        agenda = self.browser.find_element(By.CSS_SELECTOR, "ol.agenda-list").text
        self.assertIn("vat-2", agenda)
        self.assertNotIn("vat-1", agenda, "a client without consent is not ready")
        self.check_accessibility("meeting")
        self.screenshot("meeting")
        # A chair's invitation on "My tasks": the chair claims it, the list says whose it is.
        self.go("/tasks")
        claim = "//form[@action='/tasks/{0}'][input[@name='case' and @value='vat-2']][input[@name='task' and @value='invite-prison']]//button"
        self.assertNotIn("varannut cora", self.text())
        self.browser.find_element(By.XPATH, claim.format("claim")).click()
        self.wait_text("varannut cora")
        self.check_accessibility("my tasks with a claimed task")
        self.screenshot("my-tasks-claimed")
        self.browser.find_element(By.XPATH, claim.format("unclaim")).click()
        self.wait_for(lambda: "varannut cora" not in self.text(), "the claim to be gone")

    def test_05_coordinator_checks_a_broken_then_a_fixed_process_file(self):
        self.sign_in("cora")
        self.go("/processes")
        self.check_accessibility("processes")
        self.browser.find_element(By.LINK_TEXT, "Tarkista prosessitiedosto").click()
        self.wait_url("/process-editor")
        with open(os.path.join(PROCESSES, "vat-generic.yaml"), encoding="utf-8") as handle:
            original = handle.read()
        broken = os.path.join(self.work, "broken.yaml")
        with open(broken, "w", encoding="utf-8") as handle:
            handle.write(original.replace("calendar: fi\n", "calendar: fi\ncalender: fi\n", 1))
        self.browser.find_element(By.ID, "file").send_keys(broken)
        self.browser.find_element(By.CSS_SELECTOR, "form[action='/process-editor'] button").click()
        self.wait_text("virhettä")
        summary = self.browser.find_element(By.CSS_SELECTOR, ".error-summary").text
        line = original.split("\n").index("calendar: fi") + 2
        self.assertIn(f"Rivi {line}, sarake 1:", summary)
        self.assertIn("calender", summary)
        self.check_accessibility("process editor with errors")
        self.screenshot("process-editor-errors")
        fixed = os.path.join(self.work, "fixed.yaml")
        with open(fixed, "w", encoding="utf-8") as handle:
            kela = "invite-kela:\n        title: Invite Kela and send it advance information\n        role: chair\n        due: event.consent-given + 10 working days"
            self.assertIn(kela, original)
            handle.write(original.replace(kela, kela.replace("+ 10 working days", "+ 12 working days"), 1))
        self.browser.find_element(By.ID, "file").send_keys(fixed)
        self.browser.find_element(By.CSS_SELECTOR, "form[action='/process-editor'] button").click()
        self.wait_text("Tiedosto on kunnossa.")
        body = self.text()
        self.assertIn("Tiedosto on kunnossa.", body)
        self.assertIn("Vaikutus avoimiin asioihin", body)
        impact = self.browser.find_element(By.CSS_SELECTOR, "table tbody").text
        self.assertIn("vat-2", impact)
        self.assertIn("invite-kela", impact)
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, "svg.process-diagram"))
        self.check_accessibility("process editor with impact")
        self.screenshot("process-editor-impact")

    def test_06_other_organisation_cannot_find_the_case(self):
        self.sign_in("olli")
        self.assertNotIn("vat-1", self.text())
        self.go("/cases/vat-1")
        self.assertIn("does not exist", self.text())
        self.go("/cases/no-such-case")
        self.assertIn("does not exist", self.text())
        self.check_accessibility("case not found")

    def test_07_outcomes_and_process_pages(self):
        self.sign_in("cora")
        self.go("/outcomes?from=2026-01-01&to=2026-12-31")
        self.assertEqual(self.heading(), "Tulokset")
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, "figure.chart svg"))
        self.check_accessibility("outcomes")
        self.screenshot("outcomes")
        self.go("/processes/vat-generic")
        self.assertTrue(self.browser.find_elements(By.CSS_SELECTOR, "svg.process-diagram"))
        self.check_accessibility("process diagram")
        self.screenshot("process")
        self.go("/accessibility")
        self.check_accessibility("accessibility statement")
        # A worker is not a coordinator: no outcomes.
        self.sign_in("anna")
        self.go("/outcomes")
        self.assertIn("koordinaattoreille", self.text())

    def test_08_calendar_feed(self):
        from icalendar import Calendar

        self.sign_in("anna")
        self.browser.find_element(By.LINK_TEXT, "Kalenterisyöte").click()
        self.wait_url("/calendar")
        self.check_accessibility("calendar settings")
        self.browser.find_element(By.CSS_SELECTOR, "form[action='/calendar/address'] button").click()
        self.wait_text("näytetään vain kerran")
        address = self.browser.find_element(By.ID, "address").get_attribute("value")
        self.screenshot("calendar")
        with urllib.request.urlopen(self.url + address) as response:
            self.assertTrue(response.headers["Content-Type"].startswith("text/calendar"))
            feed = response.read()
        calendar = Calendar.from_ical(feed)
        events = [part for part in calendar.walk() if part.name == "VEVENT"]
        self.assertTrue(events)
        uids = [str(event["UID"]) for event in events]
        self.assertEqual(len(uids), len(set(uids)), "one UID per task occurrence")
        for event in events:
            self.assertEqual(type(event.decoded("DTSTART")).__name__, "date", "all-day events")
            summary = str(event["SUMMARY"])
            self.assertNotIn("2027-04-20", summary)
            self.assertNotIn("2027-03-02", summary)
        self.assertTrue(any("vat-1" in str(event["SUMMARY"]) for event in events))
        self.assertNotIn(b"VTODO", feed)
        # Replacing the address stops the old one.
        self.browser.find_element(By.CSS_SELECTOR, "form[action='/calendar/address'] button").click()
        self.wait_for(lambda: self.browser.find_element(By.ID, "address").get_attribute("value") != address, "a new address")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(self.url + address)
        self.assertEqual(refused.exception.code, 404)
        # A calendar token signs in nowhere else.
        token = address.split("/")[-1][:-4]
        request = urllib.request.Request(self.url + "/v1/me", headers={"Authorization": "Bearer " + token})
        with self.assertRaises(urllib.error.HTTPError) as api:
            urllib.request.urlopen(request)
        self.assertEqual(api.exception.code, 401)

    def test_10_sign_in_at_the_identity_provider(self):
        self.browser.delete_all_cookies()
        self.go("/tasks")
        self.wait_url("/sign-in")
        self.check_accessibility("sign-in with a provider")
        self.browser.find_element(By.LINK_TEXT, "Kirjaudu organisaatiosi tunnuksella").click()
        self.wait_text("County sign-in")
        Select(self.browser.find_element(By.ID, "person")).select_by_value("anna")
        self.browser.find_element(By.ID, "approve").click()
        self.wait_text("Omat tehtävät")
        self.wait_url("/tasks")
        self.assertIn("vat-1", self.text(), "the provider's anna sees her cases")
        # A callback with a state this browser was not given is refused (a replayed
        # callback is refused too: EndToEndTests/OIDCSignInTests.swift).
        self.go("/sign-in/oidc/callback?code=forged&state=forged")
        self.assertIn("vanheni", self.text())

    def test_09_sign_out(self):
        self.sign_in("anna")
        self.browser.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
        self.wait_url("/sign-in")
        self.go("/tasks")
        self.assertIn("/sign-in", self.browser.current_url)


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
