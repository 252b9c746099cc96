"""Every page of a real `portal demo`, checked in headless Chromium for accessibility.

As each demo role, and signed out, it follows the links from the home page (a few of each kind,
so that enquiries in every state, search results and every report are reached) and adds what
links do not reach (error pages, a reset link). On every page it runs axe-core (shipped in the
`axe-selenium-python` package) with the WCAG 2.x A and AA rules and fails on any violation of
serious or critical impact, naming the page and the rule. It then loads each page again 320 CSS
pixels wide (WCAG 1.4.10, reflow) and at 200% text size, and fails if the page scrolls sideways.
Each page is also checked for targets smaller than 24 by 24 px (2.5.8) and for anything fixed
over the page that could hide a focused element (2.4.11).
Last, it compares the pages it visited with the routes the portal registers (`portal routes`):
a page nobody visits fails, so a new page cannot go unchecked.

Usage: python3 scripts/browser/accessibility.py PATH_TO_PORTAL_BINARY
"""
import datetime
import os
import re
import sqlite3
import subprocess
import sys
import traceback
from collections import deque
from urllib.parse import urlsplit

from axe_selenium_python import Axe
from demo_server import DemoServer, chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROLES = ["member@demo.test", "coordinator@demo.test", "responder@demo.test", "admin@demo.test"]
# The WCAG 2.x A and AA rules, as far as the axe-core in the package tags them.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Pages a browser never shows as a page: files to download, the load balancer's check, assets.
NOT_PAGES = {"/health", "/assets/:file", "/search/export.csv", "/reports/:kind/export.csv", "/reports/heat-map/export.csv",
             "/enquiries/:enquiryID/documents/:documentID", "/session",
             "/places/locate", "/places/nearest-asset", "/places/addresses", "/enquiries/:enquiryID/map.svg",
             "/places/boundaries", "/places/assets", "/places/nearby-enquiries", "/leaflet/**", "/search/map.json"}
# WCAG 2.5.8 (target size, minimum), which this axe-core predates: every target at least 24 by 24
# CSS px, unless it is a link inside a sentence or is spaced so that a 24 px circle on its centre
# meets no other target (nor another small target's circle).
TARGETS = """
const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
const targets = [...document.querySelectorAll(selector)].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
});
const boxes = targets.map(e => e.getBoundingClientRect());
const small = boxes.map(r => r.width < 24 || r.height < 24);
const inSentence = e => e.tagName === 'A' && getComputedStyle(e).display === 'inline'
  && e.parentElement.textContent.trim().length > e.textContent.trim().length;
const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
const reach = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
const found = [];
targets.forEach((e, i) => {
  if (!small[i] || inSentence(e)) return;
  const c = centre(boxes[i]);
  const crowded = boxes.some((other, j) => j !== i && (small[j]
    ? Math.hypot(c[0] - centre(other)[0], c[1] - centre(other)[1]) < 24 : reach(c, other) < 12));
  if (crowded) found.push(e.outerHTML.slice(0, 90) + ` is ${Math.round(boxes[i].width)} by ${Math.round(boxes[i].height)} px`);
});
return found;
"""
# WCAG 2.4.11 (focus not obscured): nothing stays fixed over the page to hide a focused element.
FIXED = """
return [...document.querySelectorAll('body *')].filter(e => ['fixed', 'sticky'].includes(getComputedStyle(e).position)
  && e.getBoundingClientRect().height > 0 && !e.closest('dialog[open]')).map(e => e.outerHTML.slice(0, 90));
"""
# How many addresses of one route to visit, from one page and in all.
PER_PAGE, PER_ROUTE = 2, 14
UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def registered_pages(binary):
    """The GET routes `portal routes` lists, as patterns like /enquiries/:enquiryID; not the JSON
    API's, which answer other systems rather than browsers (scripts/api/schemathesis tests them)."""
    table = subprocess.run([binary, "routes"], capture_output=True, text=True, check=True).stdout
    return {match.group(1) for match in re.finditer(r"\|\s*GET\s*\|\s*(\S+)\s*\|", table)
            if not match.group(1).startswith("/api/")}


def route_of(path, routes):
    """The registered pattern a path matches, or None; a literal part wins over a parameter
    (/enquiries/new before /enquiries/:enquiryID)."""
    parts = path.rstrip("/").split("/") if path != "/" else [""]
    for route in sorted(routes, key=lambda route: (route.count(":"), route)):
        pattern = route.rstrip("/").split("/") if route != "/" else [""]
        if len(pattern) == len(parts) and all(p.startswith(":") or p == q for p, q in zip(pattern, parts)):
            return route
    return None


class Walk:
    def __init__(self, server, routes):
        self.base = server.base
        self.database = os.path.join(server.data, "portal.sqlite")
        self.routes = routes
        self.driver = chrome(1280, 900)
        self.driver.set_script_timeout(60)
        self.driver.implicitly_wait(2)
        self.axe = Axe(self.driver)
        self.visited = {}      # address -> (role, route)
        self.problems = []

    def sign_in(self, email):
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/sign-in")
        if email:
            self.driver.find_element(By.ID, "email").send_keys(email)
            self.driver.find_element(By.ID, "password").send_keys("demo")
            self.driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
            WebDriverWait(self.driver, 20).until(lambda driver: urlsplit(driver.current_url).path != "/sign-in")

    def check_page(self, role, address):
        self.driver.get(self.base + address)
        return self.check_here(role, address)

    def check_here(self, role, address):
        """The page the browser shows now, by the same checks; its links."""
        self.axe.inject()
        results = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const known = new Set(axe.getRules().flatMap(rule => rule.tags));"
            "const tags = arguments[0].filter(tag => known.has(tag));"
            "axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']},"
            "        (error, results) => done(error ? {error: String(error)} : results));", WCAG)
        if "error" in results:
            self.problems.append(f"{address} ({role}): axe could not run: {results['error']}")
            results = {"violations": []}
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                self.problems.append(f"{address} ({role}): {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
        for target in self.driver.execute_script(TARGETS)[:3]:
            self.problems.append(f"{address} ({role}): target-size (2.5.8): {target}")
        for element in self.driver.execute_script(FIXED)[:3]:
            self.problems.append(f"{address} ({role}): focus may hide behind a fixed element (2.4.11): {element}")
        return [a.get_attribute("href") or "" for a in self.driver.find_elements(By.CSS_SELECTOR, "a[href]")]

    def follow(self, role, start):
        queue = deque(start)
        per_route = {}
        while queue:
            address = queue.popleft()
            route = route_of(urlsplit(address).path, self.routes)
            key = (role, address)
            if key in self.visited or route is None or route in NOT_PAGES:
                continue
            if per_route.get(route, 0) >= PER_ROUTE:
                continue
            per_route[route] = per_route.get(route, 0) + 1
            self.visited[key] = route
            taken = {}
            for href in self.check_page(role, address):
                parts = urlsplit(href)
                if not href.startswith(self.base) or parts.path == "/sign-out":
                    continue
                link = parts.path + (f"?{parts.query}" if parts.query else "")
                linked = route_of(parts.path, self.routes)
                if linked is None or (role, link) in self.visited or link in queue:
                    continue
                if taken.get(linked, 0) < PER_PAGE:
                    taken[linked] = taken.get(linked, 0) + 1
                    queue.append(link)

    def reflow(self):
        """Every page visited, again at 320 CSS px and at 200% text: nothing may scroll sideways."""
        for width, text in [(320, 100), (1280, 200)]:
            # A phone's screen: the page's own viewport rule applies and scroll bars take no room.
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
            for role in [None] + ROLES:
                self.sign_in(role)
                for (who, address) in [key for key in self.visited if key[0] == (role or "signed out")]:
                    self.driver.get(self.base + address)
                    if text != 100:
                        self.driver.execute_script(f"document.documentElement.style.fontSize = '{text}%'")
                    wide = self.driver.execute_script(
                        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                    if wide[0] > wide[1] + 1:
                        self.problems.append(f"{address} ({who}): scrolls sideways at {width} px wide and {text}% text "
                                             f"({wide[0]} px of content in {wide[1]} px)")
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def submit_and_check(self, role, button, what):
        """Presses a form's button, waits for the next page and checks it."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        button.click()
        WebDriverWait(self.driver, 20).until(lambda driver: old.id != driver.find_element(By.TAG_NAME, "html").id)
        self.check_here(role, what)

    def partner_referral(self):
        """A pest control enquiry referred to the demo's partner by email: its section on the
        enquiry page, the co-ordinator's outcome form sent back with an error, and the partner's
        link (read from the outbox: the demo sends no email) with its form refused, used and used
        again."""
        d = self.driver
        self.sign_in("member@demo.test")
        d.get(self.base + "/enquiries/new")
        Select(d.find_element(By.ID, "service-area")).select_by_visible_text("Pollution")
        Select(d.find_element(By.ID, "type")).select_by_visible_text("Pest Control")
        Select(d.find_element(By.ID, "subtype")).select_by_visible_text("Rats and mice")
        d.find_element(By.ID, "subject").send_keys("Rats in the churchyard")
        d.find_element(By.ID, "details").send_keys("Seen every evening by the bins.")
        d.find_element(By.ID, "location").send_keys("Church Street")
        self.submit_and_check("member@demo.test", d.find_element(By.CSS_SELECTOR, "button[value=submit]"), "a referred enquiry")
        enquiry = urlsplit(d.current_url).path
        self.sign_in("admin@demo.test")
        d.get(self.base + enquiry)
        self.check_here("admin@demo.test", enquiry + " (partner referral section)")
        form = d.find_element(By.CSS_SELECTOR, "form[action*='/partner-referrals/']")
        d.execute_script("arguments[0].closest('details').open = true", form)
        self.submit_and_check("admin@demo.test", form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "partner outcome form (refused)")
        with sqlite3.connect(self.database) as db:
            (link,) = db.execute("SELECT link_path FROM outbox WHERE kind = 'partner_referral'").fetchone()
        self.sign_in(None)
        self.follow("signed out", [link])
        d.get(self.base + link)
        self.submit_and_check("signed out", d.find_element(By.CSS_SELECTOR, "main button[type=submit]"), "partner outcome link (refused)")
        d.find_element(By.ID, "outcome-2").click()
        self.submit_and_check("signed out", d.find_element(By.CSS_SELECTOR, "main button[type=submit]"), "partner outcome link (recorded)")
        d.get(self.base + link)
        self.check_here("signed out", "partner outcome link (used again)")

    def subject_access(self):
        """The subject access page through its steps: nothing entered (its error summary), the
        enquiries found, the confirmation before erasing, and that confirmation refused for want
        of a reason. Nothing is erased."""
        d = self.driver
        who = "admin@demo.test"
        self.sign_in(who)
        d.get(self.base + "/admin/subject-access")
        search = "main form[action='/admin/subject-access'] button[type=submit]"
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, search), "/admin/subject-access (nothing entered)")
        d.find_element(By.ID, "person-name").send_keys("Pat")
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, search), "/admin/subject-access (enquiries found)")
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, "button[formaction='/admin/subject-access/erase']"),
                              "/admin/subject-access/erase (confirm)")
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, "form[action='/admin/subject-access/erase/confirm'] button.button-warning"),
                              "/admin/subject-access/erase/confirm (no reason)")

    def election_handover(self):
        """An election recorded (one Member leaving, the rest returned) and its handover page, with
        the proposals for the leaving Member's enquiries. Nothing is applied."""
        d = self.driver
        who = "admin@demo.test"
        self.sign_in(who)
        d.get(self.base + "/admin/elections")
        today = datetime.date.today()
        for field, day in (("polling-day", today), ("term-starts", today + datetime.timedelta(days=4))):
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, field), day.isoformat())
        returned = d.find_elements(By.CSS_SELECTOR, "input[type=radio][value=returned]")
        for radio in returned[1:]:
            d.execute_script("arguments[0].checked = true", radio)
        d.execute_script("arguments[0].checked = true", d.find_elements(By.CSS_SELECTOR, "input[type=radio][value=leaving]")[0])
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, "form[action='/admin/elections'] button[type=submit]"), "/admin/elections (recorded)")
        handover = urlsplit(d.find_element(By.CSS_SELECTOR, "main a[href$='/handover']").get_attribute("href")).path
        self.follow(who, [handover])

    def webhooks(self):
        """The webhooks page through its steps: the form sent back with its error summary, the
        page showing a new subscription's secret, and the subscription's page, active and paused.
        The address is a closed port on the loopback address, so its deliveries fail and are
        listed with their attempts."""
        d = self.driver
        who = "admin@demo.test"
        self.sign_in(who)
        d.get(self.base + "/admin/webhooks")
        add = "main form[action='/admin/webhooks'] button[type=submit]"
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, add), "/admin/webhooks (refused)")
        d.find_element(By.ID, "url").send_keys("http://127.0.0.1:9/hook")
        d.find_element(By.ID, "description").send_keys("Council CRM")
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, add), "/admin/webhooks (secret shown once)")
        subscription = urlsplit(d.find_element(By.CSS_SELECTOR, "main a[href^='/admin/webhooks/']").get_attribute("href")).path
        self.follow(who, [subscription])
        d.get(self.base + subscription)
        self.submit_and_check(who, d.find_element(By.CSS_SELECTOR, "form[action$='/pause'] button[type=submit]"), subscription + " (paused)")

    def run(self):
        self.sign_in(None)
        self.follow("signed out", ["/sign-in", "/password-reset", "/password-reset/" + "x" * 43, "/partner-outcome/" + "x" * 43,
                                   "/no-such-page"])
        for role in ROLES:
            self.sign_in(role)
            self.follow(role, ["/", "/no-such-page", "/search?q=light", "/search?deadline=overdue"])
        # A form sent back with its error summary: the places page refusing a file left unchosen.
        self.sign_in("admin@demo.test")
        self.driver.get(self.base + "/admin/places")
        self.driver.find_element(By.CSS_SELECTOR, "form[action^='/admin/places/addresses'] button[type=submit]").click()
        WebDriverWait(self.driver, 20).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".error-summary"))
        self.check_here("admin@demo.test", "/admin/places (a file refused)")
        self.partner_referral()
        self.subject_access()
        self.election_handover()
        self.webhooks()
        # Refused pages: a Member at the administrator's list, a responder at the queue.
        self.sign_in("member@demo.test")
        self.follow("member@demo.test", ["/admin/users", "/queue"])
        self.reflow()
        reached = set(self.visited.values())
        for route in sorted(self.routes - NOT_PAGES - reached):
            self.problems.append(f"{route}: no visit reaches this page; link it from a role's pages or add it to the walk")
        print(f"accessibility: {len(self.visited)} pages of {len(reached)} routes, as {len(ROLES)} roles and signed out")


def main():
    binary = sys.argv[1]
    routes = registered_pages(binary)
    server = DemoServer(binary, "portal-accessibility-")
    walk = Walk(server, routes)
    failed = False
    try:
        walk.run()
    except Exception:
        traceback.print_exc()
        print("page at failure:", walk.driver.current_url, walk.driver.title)
        failed = True
    finally:
        walk.driver.quit()
    for problem in walk.problems:
        print("FAIL", problem)
    failed = failed or bool(walk.problems)
    print(f"accessibility: {len(walk.problems)} problems")
    server.stop(keep=failed)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
