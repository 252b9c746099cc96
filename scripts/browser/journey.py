"""The casework journey in a real browser (headless Chromium), against a real `portal demo`.

A Member submits; the co-ordinator takes it and asks a responder; the responder answers; the
co-ordinator sends an update and completes; the Member reopens; the co-ordinator completes; the
Member closes. Then an election: the administrator records that the Member leaves office,
passes one of their enquiries to officers instead of closing it, and applies the handover. Every page must load without an error page and without a browser console error
(which is how Content-Security-Policy violations show).

Usage: python3 scripts/browser/journey.py PATH_TO_PORTAL_BINARY
With PORTAL_JOURNEY_CLOCK set to an instant in UTC ("2026-12-25 12:00:00"), the portal runs with
the machine's clock moved there by libfaketime (the browser keeps the real clock).
"""
import datetime
import os
import sys

from demo_server import BrowserJourney, run_journey
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SUBJECT = "Street light out by the war memorial"


class Journey(BrowserJourney):
    def __init__(self, base, scratch):
        super().__init__(base)
        self.scratch = scratch

    def page_ok(self, step):
        title = self.driver.title
        # A form sent back with errors answers 422 on purpose; anything else severe is a fault
        # (a script error, a Content-Security-Policy violation, a failed asset, a 5xx).
        errors = [entry for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE" and "status of 422" not in entry["message"]]
        self.check(f"{step}: page loads", not title.startswith(("Error", "Sorry", "Page not found", "Access refused")), title)
        self.check(f"{step}: no browser errors", not errors, str(errors))

    def go(self, element):
        """Clicks something that loads a new page, and waits until the old page is gone."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def old_page_gone(_driver):
            # Chromium reports a replaced page either as a stale element or as a node that "does
            # not belong to the document"; both mean the new page has arrived.
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True

        WebDriverWait(self.driver, 20).until(old_page_gone)

    def sign_in(self, email):
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/sign-in")
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys("demo")
        self.go(self.driver.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
        self.page_ok(f"sign in as {email}")

    def open_action(self, summary_text):
        for summary in self.driver.find_elements(By.CSS_SELECTOR, "details.action > summary"):
            if summary.text.strip() == summary_text:
                summary.click()
                return summary.find_element(By.XPATH, "..")
        raise AssertionError(f"no action '{summary_text}' on {self.driver.current_url}")

    def act(self, summary_text, text, button_text):
        details = self.open_action(summary_text)
        details.find_element(By.TAG_NAME, "textarea").send_keys(text)
        self.go(details.find_element(By.XPATH, f".//button[normalize-space()='{button_text}']"))

    def run(self):
        d = self.driver
        # A Member submits, correcting a mistake on the way.
        self.sign_in("member@demo.test")
        self.go(d.find_element(By.LINK_TEXT, "New enquiry"))
        Select(d.find_element(By.ID, "service-area")).select_by_visible_text("Highways")
        Select(d.find_element(By.ID, "type")).select_by_visible_text("Report a Safety Issue")
        d.find_element(By.ID, "subject").send_keys(SUBJECT)
        d.find_element(By.ID, "details").send_keys("Out for a week; the corner is very dark.")
        self.go(d.find_element(By.CSS_SELECTOR, "button[value=submit]"))
        self.check("missing location is explained", "Enter where the problem is" in d.find_element(By.CSS_SELECTOR, ".error-summary").text)
        self.check("the error summary takes focus", d.switch_to.active_element.get_attribute("class") == "error-summary")
        self.check("typed subject is kept", d.find_element(By.ID, "subject").get_attribute("value") == SUBJECT)
        d.find_element(By.ID, "location").send_keys("War memorial, Church Street")
        # With a photo: a real file chosen in the browser, sent in the same form.
        photo = os.path.join(self.scratch, "street-light.png")
        with open(photo, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
        d.find_element(By.ID, "documents").send_keys(photo)
        self.go(d.find_element(By.CSS_SELECTOR, "button[value=submit]"))
        self.page_ok("submit")
        self.check("submitted", "has been submitted" in self.flash(), self.flash())
        self.check("the photo is on the enquiry", "street-light.png" in d.find_element(By.ID, "documents-heading").find_element(By.XPATH, "..").text)
        enquiry_url = d.current_url
        reference = d.find_element(By.CSS_SELECTOR, ".caption").text

        # The co-ordinator finds it in the queue, takes it and asks an officer.
        self.sign_in("coordinator@demo.test")
        self.go(d.find_element(By.LINK_TEXT, "Queue"))
        self.page_ok("queue")
        self.go(d.find_element(By.LINK_TEXT, reference))
        self.go(d.find_element(By.XPATH, "//button[normalize-space()='Take this enquiry']"))
        self.check("taken", "You have taken" in self.flash(), self.flash())
        details = self.open_action("Ask an officer")
        details.find_element(By.XPATH, ".//label[contains(., 'Chris Walker')]").click()
        details.find_element(By.TAG_NAME, "textarea").send_keys("Is this column on the replacement list?")
        self.go(details.find_element(By.XPATH, ".//button[normalize-space()='Send question']"))
        self.check("question sent", "Your question has been sent" in self.flash(), self.flash())

        # The responder answers from their dashboard.
        self.sign_in("responder@demo.test")
        self.go(d.find_element(By.LINK_TEXT, "Questions"))
        self.page_ok("questions")
        self.go(d.find_element(By.LINK_TEXT, reference))
        self.page_ok("responder's view")
        self.check("no resident details for the responder", "Resident" not in d.find_element(By.TAG_NAME, "main").text)
        d.find_element(By.ID, "answer_question-body").send_keys("Yes: replacement is booked for Thursday.")
        self.go(d.find_element(By.XPATH, "//button[normalize-space()='Send answer']"))
        self.check("answered", "Your answer has been sent" in self.flash(), self.flash())

        # The co-ordinator updates the Member and completes.
        self.sign_in("coordinator@demo.test")
        d.get(enquiry_url)
        self.check("answer is on the enquiry", "replacement is booked for Thursday" in d.find_element(By.TAG_NAME, "main").text)
        self.act("Send a progress update", "The column will be replaced on Thursday.", "Send update")
        self.check("update sent", "Your update has been sent" in self.flash(), self.flash())
        self.act("Complete with a final response", "The column was replaced on Thursday.", "Complete the enquiry")
        self.check("completed", "The enquiry is complete" in self.flash(), self.flash())

        # The Member reopens it.
        self.sign_in("member@demo.test")
        d.get(self.base + "/enquiries?tab=pending")
        self.page_ok("pending tab")
        self.go(d.find_element(By.LINK_TEXT, reference))
        self.check("member sees the final response", "The column was replaced on Thursday." in d.find_element(By.TAG_NAME, "main").text)
        self.act("Reopen", "It went out again last night.", "Reopen")
        self.check("reopened", "has been reopened" in self.flash(), self.flash())

        # The co-ordinator completes it again; the Member closes it.
        self.sign_in("coordinator@demo.test")
        d.get(enquiry_url)
        self.act("Complete with a final response", "The lamp head has been replaced too.", "Complete the enquiry")
        self.check("completed again", "The enquiry is complete" in self.flash(), self.flash())
        self.sign_in("member@demo.test")
        d.get(enquiry_url)
        self.act("Confirm it is done and close", "Thank you.", "Confirm and close")
        self.check("closed", "has been closed" in self.flash(), self.flash())
        self.check("status shows closed", "Closed" in d.find_element(By.CSS_SELECTOR, ".tags").text)
        d.get(self.base + "/enquiries?tab=closed")
        self.check("on the closed tab", SUBJECT in d.find_element(By.TAG_NAME, "main").text)
        self.handover()

    def handover(self):
        d = self.driver
        self.sign_in("admin@demo.test")
        d.get(self.base + "/admin/elections")
        self.page_ok("elections")
        today = datetime.date.today()
        for field, day in (("polling-day", today), ("term-starts", today + datetime.timedelta(days=4))):
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, field), day.isoformat())
        for fieldset in d.find_elements(By.XPATH, "//fieldset[.//input[@value='leaving']]"):
            leaving = "Alex Morgan" in fieldset.find_element(By.TAG_NAME, "legend").text
            fieldset.find_element(By.CSS_SELECTOR, f"input[value={'leaving' if leaving else 'returned'}]").click()
        self.go(d.find_element(By.CSS_SELECTOR, "form[action='/admin/elections'] button[type=submit]"))
        self.page_ok("election recorded")
        self.go(d.find_element(By.CSS_SELECTOR, "main a[href$='/handover']"))
        self.page_ok("handover")
        self.check("the leaving Member's enquiries are listed", "Cllr Alex Morgan" in d.find_element(By.TAG_NAME, "main").text)
        # One enquiry proposed for closing is passed to officers instead.
        chosen = next(select for select in d.find_elements(By.CSS_SELECTOR, "main select")
                      if Select(select).first_selected_option.get_attribute("value") == "close")
        row = chosen.find_element(By.XPATH, "ancestor::tr")
        passed = row.find_element(By.TAG_NAME, "th").text
        Select(chosen).select_by_value("pass")
        self.go(chosen.find_element(By.XPATH, "ancestor::form//button[starts-with(normalize-space(), 'Save the decisions')]"))
        self.check("decision saved", "saved" in self.flash(), self.flash())
        self.go(d.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Apply the handover')]"))
        self.check("handover begun", "The handover has begun" in self.flash(), self.flash())
        # The page refreshes itself while the handover runs, with no script.
        WebDriverWait(d, 90).until(lambda driver: "The handover is finished" in driver.find_element(By.TAG_NAME, "main").text)
        self.page_ok("handover finished")
        outcome = d.find_element(By.XPATH, f"//tr[th[normalize-space()='{passed}']]").text
        self.check("the changed decision was followed", "Handed to officers" in outcome, outcome)
        self.go(d.find_element(By.LINK_TEXT, passed))
        self.page_ok("handed-over enquiry")
        self.check("the enquiry says why it came to officers",
                   "Handed to officers after the election" in d.find_element(By.TAG_NAME, "main").text)


def main():
    run_journey(lambda server: Journey(server.base, server.data), sys.argv[1], "portal-browser-", "journey",
                clock=os.environ.get("PORTAL_JOURNEY_CLOCK"))


if __name__ == "__main__":
    main()
