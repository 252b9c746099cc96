"""Placing enquiries on the map, in headless Chromium against a real `portal demo`.

With the mouse: a Member clicks the map and the spot's grid reference, district and division fill
in; "Use my location" places it where the browser says the phone is; finds an address and picks it; chooses the street-light layer and clicks a street light on
the map, which becomes the enquiry's asset; submits, and the enquiry shows the asset. A second
enquiry of the same type at the same address is told of the first before it is sent. The first
goes to the demo's stand-in highways system, which marks it fixed; the Member sees the update.

With the keyboard alone: a Member moves the map with the arrow keys, places the spot at its
centre with the button, then types the grid reference of a street light, and the spot snaps to
it; the enquiry is submitted with Enter and shows the asset.

Every page must load without a browser console error (how Content-Security-Policy violations
show). Usage: python3 scripts/browser/places.py PATH_TO_PORTAL_BINARY
"""
import json
import sys

from demo_server import run_journey
from journey import Journey
from keyboard import FOCUS_SHOWN
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait


class Places(Journey):
    def __init__(self, base, scratch):
        super().__init__(base, scratch)
        self.driver.set_window_size(1000, 1400)

    def wait_for(self, name, condition, timeout=10):
        try:
            WebDriverWait(self.driver, timeout).until(lambda _: condition())
            self.check(name, True)
            return True
        except Exception:
            self.check(name, False, "timed out")
            return False

    def value(self, name):
        return self.driver.find_element(By.NAME, name).get_attribute("value")

    def status(self):
        return self.driver.find_element(By.ID, "place-status").text

    def new_enquiry(self, subject):
        d = self.driver
        d.get(self.base + "/enquiries/new")
        self.page_ok("new enquiry")
        Select(d.find_element(By.ID, "service-area")).select_by_visible_text("Highways")
        Select(d.find_element(By.ID, "type")).select_by_visible_text("Report a Safety Issue")
        d.find_element(By.ID, "subject").send_keys(subject)
        d.find_element(By.ID, "details").send_keys("Reported by a resident on the way to school.")

    def run(self):
        d = self.driver
        self.sign_in("member@demo.test")
        self.new_enquiry("Street light flickering")
        canvas = d.find_element(By.CSS_SELECTOR, ".place-map .map-canvas")
        self.check("the map is drawn", canvas.is_displayed() and "leaflet-container" in canvas.get_attribute("class"))
        self.wait_for("the boundaries are on the map", lambda: len(d.find_elements(By.CSS_SELECTOR, ".map-canvas path")) > 10)
        # A click on the map places the spot and fills the places holding it.
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
        ActionChains(d).move_to_element_with_offset(canvas, 40, 30).click().perform()
        self.wait_for("a click on the map fills the grid reference", lambda: self.value("point").startswith("SO ") or self.value("point")[:2].isalpha())
        self.wait_for("and says where the spot is", lambda: "The spot is at" in self.status())
        self.check("the district is filled in from the spot", self.value("district") != "")
        self.check("the division is filled in from the spot", self.value("division") != "")

        # "Use my location", with the browser's position set where a phone would report it.
        spot = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/places/locate?point=' + encodeURIComponent(arguments[0])).then(r => r.json()).then(done, () => done(null));
        """, self.value("point"))
        d.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"], "origin": self.base})
        d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": spot["latitude"] + 0.001, "longitude": spot["longitude"], "accuracy": 5})
        before = self.value("point")
        d.find_element(By.XPATH, "//button[normalize-space()='Use my location']").click()
        self.wait_for("\"Use my location\" places the spot where the phone is", lambda: self.value("point") not in ("", before) and "The spot is at" in self.status())

        # An address from the gazetteer, then a street light picked on the map.
        d.find_element(By.ID, "find-address").send_keys("Mill Lane")
        self.go(d.find_element(By.CSS_SELECTOR, "button[value=find-address]"))
        self.page_ok("address search")
        choice = d.find_element(By.CSS_SELECTOR, "input[name=address-choice]")
        address = choice.get_attribute("value").split("|", 1)[1]
        d.find_element(By.CSS_SELECTOR, f"label[for={choice.get_attribute('id')}]").click()
        self.wait_for("choosing an address places the spot there", lambda: "The spot is at" in self.status())
        self.check("the address fills the location", self.value("location") == address, self.value("location"))
        Select(d.find_element(By.ID, "asset-layer")).select_by_visible_text("Street lights")
        canvas = d.find_element(By.CSS_SELECTOR, ".place-map .map-canvas")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
        self.wait_for("street lights show on the map", lambda: len(d.find_elements(By.CSS_SELECTOR, ".map-canvas path.leaflet-interactive")) > 0)
        self.wait_for("choosing the layer snaps the spot to the nearest street light", lambda: self.value("asset") != "")
        snapped = self.value("asset")
        # Another street light, clicked, takes its place.
        for light in [lights[0], lights[-1]] if (lights := d.find_elements(By.CSS_SELECTOR, ".map-canvas path.leaflet-interactive")) else []:
            ActionChains(d).move_to_element(light).click().perform()
            try:
                WebDriverWait(d, 5).until(lambda _: self.value("asset") not in ("", snapped))
                break
            except Exception:
                continue
        self.check("clicking a street light makes it the enquiry's asset", self.value("asset") not in ("", snapped), self.value("asset"))
        chosen = d.find_element(By.ID, "asset-chosen").text
        self.check("the asset is named on the form", chosen.startswith("Asset: Street light SL"), chosen)
        point = self.value("point")
        self.go(d.find_element(By.CSS_SELECTOR, "button[value=submit]"))
        self.page_ok("submit a placed enquiry")
        self.check("submitted", "has been submitted" in self.flash(), self.flash())
        main = d.find_element(By.TAG_NAME, "main").text
        self.check("the enquiry shows its asset", chosen.removeprefix("Asset: ") in main, chosen)
        self.check("the enquiry shows its grid reference", point in main, point)
        reference = d.find_element(By.CSS_SELECTOR, ".caption").text
        reported = d.current_url

        # The same spot again: the form says it is already reported, before it is sent.
        self.new_enquiry("Street light out again")
        field = d.find_element(By.ID, "point")
        field.send_keys(point)
        d.find_element(By.ID, "subject").click()
        self.wait_for("an open enquiry of the same type within 50 m is listed",
                      lambda: reference in d.find_element(By.ID, "nearby-reports").text, timeout=15)
        self.keyboard(point)
        self.search_map()
        self.highways_update(reported)

    def highways_update(self, address):
        """The first report went to the demo's stand-in highways system, which marks it fixed
        within half a minute; the Member sees the system's reference and its updates."""
        d = self.driver
        self.sign_in("member@demo.test")
        def fixed():
            d.get(address)
            return "Highways system: Fixed" in d.find_element(By.TAG_NAME, "main").text
        self.wait_for("the highways system's fixed update reaches the Member", fixed, timeout=120)
        main = d.find_element(By.TAG_NAME, "main").text
        self.check("the enquiry shows the highways system's reference", "Highways reference" in main and "HW-" in main, main[:400])
        self.check("the update came as a final response", "Completed" in main, main[:200])

    def search_map(self):
        """A co-ordinator's search, one click from its map."""
        d = self.driver
        self.sign_in("coordinator@demo.test")
        d.get(self.base + "/search?q=street+light")
        self.page_ok("search")
        self.go(d.find_element(By.LINK_TEXT, "Show them on a map"))
        self.page_ok("the search's map")
        self.check("the map page lists the enquiries", "with a place on the map match this search" in d.find_element(By.TAG_NAME, "main").text)
        self.wait_for("the enquiries show as markers or clusters on the map",
                      lambda: len(d.find_elements(By.CSS_SELECTOR, ".enquiry-map .marker-cluster, .enquiry-map path.leaflet-interactive")) > 0)
        self.check("the server's map gives way to the browser's", not d.find_element(By.ID, "map-picture").is_displayed())
        rows = d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
        self.check("a table of the same enquiries sits beside the map", len(rows) > 0)
        self.page_ok("the search's map, drawn")

    def keys(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def tab_to(self, name, match, limit=200):
        for _ in range(limit):
            self.keys(Keys.TAB)
            problem = self.driver.execute_script(FOCUS_SHOWN)
            if problem:
                self.check(f"focus shows on the way to {name}", False, problem)
                return
            if match(self.driver.switch_to.active_element):
                return
        self.check(f"reach {name} with Tab", False, "not reached")

    def tab_to_id(self, element_id):
        self.tab_to(f"#{element_id}", lambda e: e.get_attribute("id") == element_id)

    def keyboard(self, near_point):
        """The Member places an enquiry with the keyboard alone."""
        d = self.driver
        d.set_window_size(1280, 900)
        d.get(self.base + "/enquiries/new")
        self.page_ok("new enquiry, by keyboard")
        # A street light near the first enquiry, as the map would show it.
        lights = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/places/locate?point=' + encodeURIComponent(arguments[0])).then(r => r.json()).then(p => {
              const box = [p.longitude - 0.003, p.latitude - 0.002, p.longitude + 0.003, p.latitude + 0.002].join(',');
              return fetch('/places/assets?bbox=' + box).then(r => r.json());
            }).then(a => done(JSON.stringify(a.assets.filter(x => x.label.startsWith('Street light')))), e => done('[]'));
        """, near_point)
        lights = json.loads(lights)
        self.check("the map's assets are there to pick", len(lights) > 0)
        self.tab_to_id("service-area")
        self.keys("Highways")
        self.tab_to_id("type")
        self.keys("Report")
        self.tab_to_id("subject")
        self.keys("Grit bin empty before the frost")
        self.tab_to_id("details")
        self.keys("The bin by the bus stop is empty.")
        self.tab_to("the map", lambda e: "map-canvas" in (e.get_attribute("class") or ""))
        self.check("the map takes focus and shows it", d.execute_script(FOCUS_SHOWN) == "")
        self.keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_UP)
        self.tab_to("the centre button", lambda e: e.text == "Place the spot at the centre of the map")
        self.keys(Keys.ENTER)
        self.wait_for("the button places the spot at the map's centre", lambda: "The spot is at" in self.status())
        self.check("the division is filled in", self.value("division") != "")
        self.tab_to_id("point")
        self.keys(Keys.CONTROL, "a")
        self.keys(Keys.BACKSPACE, lights[0]["gridReference"])
        self.tab_to_id("asset-layer")
        self.keys("Street")
        self.wait_for("the typed spot snaps to the street light", lambda: self.value("asset") == lights[0]["key"], timeout=15)
        self.tab_to("Submit enquiry", lambda e: e.text == "Submit enquiry")
        old = d.find_element(By.TAG_NAME, "html")
        self.keys(Keys.ENTER)
        WebDriverWait(d, 20).until(lambda _: old.id != d.find_element(By.TAG_NAME, "html").id)
        self.page_ok("submit by keyboard")
        self.check("submitted by keyboard", "has been submitted" in self.flash(), self.flash())
        self.check("the enquiry shows the street light", lights[0]["reference"] in d.find_element(By.TAG_NAME, "main").text)


def main():
    run_journey(lambda server: Places(server.base, server.data), sys.argv[1], "portal-places-", "places journey")


if __name__ == "__main__":
    main()
