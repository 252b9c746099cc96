#!/usr/bin/env python3
"""The client half of scripts/benchmark-search: signs in to a running portal as the demo
administrator and times searches, reports and the CSV export over HTTP, printing the figures.

    python3 scripts/benchmark-search.py http://127.0.0.1:8080
"""
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def get(path):
    with opener.open(base + path) as response:
        return response.read()


def sign_in(email):
    page = get("/sign-in").decode()
    token = re.search(r'name="_csrf" value="([^"]*)"', page).group(1)
    body = urllib.parse.urlencode({"_csrf": token, "email": email, "password": "demo"}).encode()
    request = urllib.request.Request(base + "/sign-in", data=body, headers={"Sec-Fetch-Site": "same-origin"})
    opener.open(request).read()


def timed(path):
    start = time.perf_counter()
    body = get(path)
    return (time.perf_counter() - start) * 1000, body


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def found(body):
    match = re.search(rb'id="results-heading"[^>]*>([^<]*)<', body)
    return match.group(1).decode() if match else "?"


sign_in("admin@demo.test")
search_page = get("/search").decode()
options = dict(re.findall(r'<option value="([0-9A-F-]{36})">([^<]*)</option>', search_page))
by_name = {name: value for value, name in options.items()}
highways = by_name.get("Highways", "")
district = by_name.get("Wrenfield", "")
safety = by_name.get("Report a Safety Issue", "")
year = re.search(r'raised-from=(\d{4}-\d{2}-\d{2})&amp;raised-to=(\d{4}-\d{2}-\d{2})', get("/reports").decode())
year_from, year_to = (year.group(1), year.group(2)) if year else ("2025-07-31", "2026-07-30")

searches = {
    "free text": ["q=blocked+gully", "q=pothole+cyclists", "q=speed+survey+school", "q=contractor", "q=%22street+light%22+bus"],
    "filtered": [f"area={highways}&status=in_progress", f"district={district}&deadline=overdue",
                 f"type={safety}&raised-from={year_from}&raised-to={year_to}", "channel=phone&status=closed",
                 f"area={highways}&district={district}&sort=oldest"],
    "combined": [f"q=rain&area={highways}&raised-from={year_from}", f"q=pothole&district={district}&status=closed",
                 f"q=parking+junction&type={by_name.get('Improvement Request', '')}", f"q=grit+bin&deadline=overdue",
                 f"q=footway&district={district}&raised-from={year_from}&raised-to={year_to}"],
}
rounds = 10
print(f"{'search':<12} {'requests':>9} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}   results (first query)")
for kind, queries in searches.items():
    timings = []
    for query in queries:
        timed("/search?" + query)  # warm the caches once
    for _ in range(rounds):
        for query in queries:
            elapsed, _ = timed("/search?" + query)
            timings.append(elapsed)
    _, body = timed("/search?" + queries[0])
    print(f"{kind:<12} {len(timings):>9} {statistics.median(timings):>10.1f} {percentile(timings, 0.95):>8.1f} {max(timings):>8.1f}   {found(body)}")

print()
print(f"{'report':<30} {'year median ms':>15} {'year max ms':>12} {'all time median ms':>19}")
kinds = ["districts-and-types", "volume-by-month", "first-response-by-month", "completion-by-month",
         "first-response-distribution", "completion-distribution", "summary", "reopened"]
for kind in kinds:
    year_times = [timed(f"/reports/{kind}?raised-from={year_from}&raised-to={year_to}")[0] for _ in range(5)]
    all_times = [timed(f"/reports/{kind}?period=all")[0] for _ in range(3)]
    print(f"{kind:<30} {statistics.median(year_times):>15.1f} {max(year_times):>12.1f} {statistics.median(all_times):>19.1f}")

print()
start = time.perf_counter()
rows = 0
size = 0
with opener.open(base + "/search/export.csv") as response:
    first_byte = None
    while True:
        chunk = response.read(1 << 16)
        if not chunk:
            break
        if first_byte is None:
            first_byte = time.perf_counter() - start
        size += len(chunk)
        rows += chunk.count(b"\r\n")
elapsed = time.perf_counter() - start
rows -= 1  # the header
print(f"export: {rows:,} rows, {size / 1e6:.1f} MB in {elapsed:.1f} s = {rows / elapsed:,.0f} rows a second "
      f"(first bytes after {first_byte * 1000:.0f} ms)")
