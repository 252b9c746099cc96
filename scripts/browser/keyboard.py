"""The casework journey with the keyboard alone, in headless Chromium against a real `portal demo`.

A Member raises an enquiry, the co-ordinator takes it and asks an officer, the officer answers,
the co-ordinator completes it: every step with Tab, Shift+Tab, Enter, Space and the arrow keys,
nothing clicked. At every stop the focused element must show that it has focus and sit inside
the window (not hidden under anything); the skip link must come first and move focus to the main
content; a failed submission must put focus on the error summary; and tabbing through a whole
page must come back round to the start (no trap). Last, the warning before the session ends
opens, takes focus, and keeps the session with Enter.

Usage: python3 scripts/browser/keyboard.py PATH_TO_PORTAL_BINARY
"""
import os
import sqlite3
import sys
import time
from urllib.parse import urlsplit

from demo_server import BrowserJourney, run_journey
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

SUBJECT = "Pothole outside the village hall"

FOCUS_SHOWN = """
const e = document.activeElement;
if (!e || e === document.body) return 'nothing has focus';
const s = getComputedStyle(e), r = e.getBoundingClientRect();
const yellow = c => c.includes('255, 221, 0');
const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !s.outlineColor.includes('0, 0, 0, 0') && s.outlineColor !== 'transparent';
if (!(ring || s.boxShadow !== 'none' || yellow(s.backgroundColor) || yellow(s.borderTopColor)))
  return 'no visible focus on ' + e.outerHTML.slice(0, 120);
if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth)
  return 'focused element outside the window: ' + e.outerHTML.slice(0, 120);
return '';
"""


class Keyboard(BrowserJourney):
    def __init__(self, base, data):
        super().__init__(base, 1280, 900)
        self.database = os.path.join(data, "portal.sqlite")

    def keys(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def active(self):
        return self.driver.switch_to.active_element

    def describe(self, element):
        return (element.get_attribute("id") or "") + " " + (element.text or element.get_attribute("value") or "")[:40]

    def tab_to(self, name, match, limit=250):
        """Presses Tab until `match(active element)`; every stop must show its focus."""
        for _ in range(limit):
            self.keys(Keys.TAB)
            problem = self.driver.execute_script(FOCUS_SHOWN)
            element = self.active()
            if problem:
                self.check(f"focus shows on the way to {name}", False, problem)
                return element
            if match(element):
                return element
        self.check(f"reach {name} with Tab", False, "not reached")
        return self.active()

    def tab_to_text(self, text, limit=250):
        return self.tab_to(text, lambda e: (e.text or e.get_attribute("value") or "").strip() == text, limit)

    def tab_to_id(self, element_id, limit=250):
        return self.tab_to(f"#{element_id}", lambda e: e.get_attribute("id") == element_id, limit)

    def enter_and_wait(self, key=Keys.ENTER):
        """Sends a key that loads a new page, and waits until it has."""
        old = self.driver.find_element("tag name", "html")
        self.keys(key)

        def gone(_):
            try:
                old.is_enabled()
                return False
            except Exception:
                return True

        WebDriverWait(self.driver, 20).until(gone)

    def sign_in(self, email):
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/sign-in")
        self.keys(Keys.TAB)
        self.check(f"{email}: the skip link comes first", self.active().text == "Skip to main content", self.describe(self.active()))
        self.check("the skip link shows its focus", self.driver.execute_script(FOCUS_SHOWN) == "")
        self.keys(Keys.ENTER)
        self.check("the skip link moves focus to the main content", self.active().get_attribute("id") == "main-content")
        self.tab_to_id("email")
        self.keys(email, Keys.TAB, "demo")
        self.check("the password field takes what is typed", self.active().get_attribute("id") == "password")
        self.enter_and_wait()
        self.check(f"signed in as {email}", urlsplit(self.driver.current_url).path == "/", self.driver.current_url)

    def sign_out(self):
        self.tab_to_text("Sign out")
        self.enter_and_wait()

    def no_trap(self):
        """Tabbing on from anywhere comes back round to the skip link."""
        start = self.active()
        for _ in range(400):
            self.keys(Keys.TAB)
            if self.active().text == "Skip to main content":
                self.check("focus comes back round: nothing traps it", True)
                self.keys(Keys.TAB)
                first = self.active()
                self.keys(Keys.TAB)
                ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
                self.check("Shift+Tab steps back", self.active() == first, self.describe(self.active()))
                return
        self.check("focus comes back round: nothing traps it", False, self.describe(start))

    def run(self):
        # The Member raises an enquiry.
        self.sign_in("member@demo.test")
        self.tab_to_text("New enquiry")
        self.enter_and_wait()
        self.tab_to_text("Submit enquiry")
        self.enter_and_wait()
        self.check("a failed submission puts focus on the error summary",
                   "error-summary" in (self.active().get_attribute("class") or ""), self.describe(self.active()))
        self.check("the error summary shows its focus", self.driver.execute_script(FOCUS_SHOWN) == "")
        self.keys(Keys.TAB)
        self.check("the error summary's first link is next", self.active().tag_name == "a" and "#" in self.active().get_attribute("href"))
        self.tab_to_id("service-area")
        self.keys("Highways")
        self.tab_to_id("type")
        self.keys("Report a")
        self.tab_to_id("subject")
        self.keys(SUBJECT)
        self.keys(Keys.TAB, "Deep enough to burst a tyre, just by the bus stop.")
        self.tab_to_id("location")
        self.keys("Village hall, Church Street")
        radio = self.tab_to("the urgency choices", lambda e: e.get_attribute("name") == "urgency")
        self.keys(Keys.ARROW_DOWN)
        self.keys(Keys.ARROW_UP)
        self.check("the arrow keys choose among radios", self.active().is_selected() and self.active().get_attribute("name") == "urgency",
                   self.describe(radio))
        self.tab_to_text("Submit enquiry")
        self.enter_and_wait()
        self.check("submitted", "has been submitted" in self.flash(), self.flash())
        enquiry = self.driver.current_url
        reference = self.driver.find_element("css selector", ".caption").text
        self.no_trap()
        self.sign_out()

        # The co-ordinator finds it in the queue, takes it and asks an officer.
        self.sign_in("coordinator@demo.test")
        self.tab_to_text("Queue")
        self.enter_and_wait()
        self.tab_to_text(reference)
        self.enter_and_wait()
        self.tab_to_text("Take this enquiry")
        self.enter_and_wait()
        self.check("taken", "You have taken" in self.flash(), self.flash())
        self.tab_to_text("Ask an officer")
        self.keys(Keys.ENTER)
        self.tab_to("Chris Walker's box", lambda e: e.get_attribute("type") == "checkbox" and e.get_attribute("id") == "ask_responder-responders")
        self.keys(Keys.SPACE)
        self.check("Space ticks a box", self.active().is_selected())
        self.tab_to_id("ask_responder-body")
        self.keys("Is this on the resurfacing list?")
        self.tab_to_text("Send question")
        self.enter_and_wait()
        self.check("question sent", "Your question has been sent" in self.flash(), self.flash())
        self.sign_out()

        # The officer answers.
        self.sign_in("responder@demo.test")
        self.tab_to_text("Questions")
        self.enter_and_wait()
        self.tab_to_text(reference)
        self.enter_and_wait()
        self.tab_to_id("answer_question-body")
        self.keys("Yes: it is patched on Monday.")
        self.tab_to_text("Send answer")
        self.enter_and_wait()
        self.check("answered", "Your answer has been sent" in self.flash(), self.flash())
        self.sign_out()

        # The co-ordinator completes it.
        self.sign_in("coordinator@demo.test")
        self.driver.get(enquiry)
        self.tab_to_text("Complete with a final response")
        self.keys(Keys.ENTER)
        self.tab_to_id("complete-body")
        self.keys("The pothole was patched on Monday.")
        self.tab_to_text("Complete the enquiry")
        self.enter_and_wait()
        self.check("completed", "The enquiry is complete" in self.flash(), self.flash())
        self.session_warning()

    def last_seen(self):
        with sqlite3.connect(self.database) as db:
            return max(row[0] for row in db.execute("SELECT last_seen_at FROM user_sessions"))

    def session_warning(self):
        """The session's end is warned of, and kept, from the keyboard (WCAG 2.2.1). Nearly two idle
        hours pass behind the page's back; the page asks the server again when it comes into view."""
        with sqlite3.connect(self.database) as db:
            db.execute("UPDATE user_sessions SET last_seen_at = last_seen_at - 6960")
        before = self.last_seen()
        time.sleep(5.5)
        self.driver.execute_script("document.dispatchEvent(new Event('visibilitychange'))")
        try:
            WebDriverWait(self.driver, 10).until(lambda d: d.execute_script("return document.getElementById('session-warning').open"))
        except Exception:
            self.check("the session warning opens before the session ends", False)
            return
        self.check("the warning says when", "in 5 minutes" in self.driver.find_element("id", "session-warning").text
                   or "in 4 minutes" in self.driver.find_element("id", "session-warning").text,
                   self.driver.find_element("id", "session-warning").text)
        self.check("focus moves to Stay signed in", self.active().text == "Stay signed in", self.describe(self.active()))
        self.check("the focused button shows its focus", self.driver.execute_script(FOCUS_SHOWN) == "")
        self.keys(Keys.TAB)
        self.check("Tab stays inside the warning", self.active().text == "Sign out now", self.describe(self.active()))
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        url = self.driver.current_url
        self.keys(Keys.ENTER)
        try:
            WebDriverWait(self.driver, 10).until(lambda d: not d.execute_script("return document.getElementById('session-warning').open"))
            closed = True
        except Exception:
            closed = False
        self.check("Enter on Stay signed in closes the warning", closed)
        self.check("and leaves the person where they were", self.driver.current_url == url, self.driver.current_url)
        self.check("the session's idle clock starts again", self.last_seen() > before + 6000, f"{before} then {self.last_seen()}")


def main():
    run_journey(lambda server: Keyboard(server.base, server.data), sys.argv[1], "portal-keyboard-", "keyboard journey")


if __name__ == "__main__":
    main()
