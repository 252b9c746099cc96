"""`portal demo` on a free port with its own data folder, and headless Chromium, for the browser tests."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """Starts `portal demo` and waits until it answers; `stop(keep)` ends it and removes its data
    unless asked to keep them. With `clock` (an instant in UTC), the portal runs with the
    machine's clock moved there by libfaketime."""

    def __init__(self, binary, prefix, clock=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix=prefix)
        self.log = open(os.path.join(self.data, "server.log"), "w")
        command = [binary, "demo", "--port", str(self.port)]
        if clock:
            command = ["faketime", clock] + command
        environment = {**os.environ, "PORTAL_DATA_DIR": self.data, "TZ": "UTC",
                       "FAKETIME_DISABLE_SHM": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        self.process = subprocess.Popen(command, env=environment,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(240):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                return
            except Exception:
                time.sleep(0.5)

    def stop(self, keep):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        if keep:
            print("the server's log and database are kept in", self.data)
        else:
            shutil.rmtree(self.data, ignore_errors=True)


def chrome(width=412, height=915):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))


class BrowserJourney:
    """What every browser journey shares: a Chromium, counted checks, and the page's message."""

    def __init__(self, base, width=412, height=915):
        self.base = base
        self.driver = chrome(width, height)
        self.driver.implicitly_wait(2)
        self.passed = 0
        self.failed = 0

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}")

    def flash(self):
        found = self.driver.find_elements("css selector", ".notification-banner")
        return found[0].text if found else ""


def run_journey(make, binary, prefix, name, clock=None):
    """Starts the demo, runs `make(server).run()` and exits 0 only if none of its checks failed.
    The journey counts its checks in `passed` and `failed` and drives `driver`."""
    server = DemoServer(binary, prefix, clock=clock)
    journey = None
    try:
        journey = make(server)
        journey.run()
    except Exception:
        traceback.print_exc()
        if journey:
            journey.failed += 1
            print("page at failure:", journey.driver.current_url, journey.driver.title)
    finally:
        if journey:
            journey.driver.quit()
    passed = journey.passed if journey else 0
    failed = journey.failed if journey else 1
    print(f"{name}: {passed} passed, {failed} failed")
    server.stop(keep=bool(failed))
    sys.exit(1 if failed else 0)
