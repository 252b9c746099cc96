import Crypto
import Foundation
import Vapor

/// The portal's only stylesheet, written after the GOV.UK Design System's patterns: large
/// readable type, a yellow focus ring that shows on any background, 4.5:1 contrast or better,
/// and a single column that works on a 360-pixel phone. Served from the binary with a
/// content-hashed URL, so it can be cached for a year and never goes stale.
enum Stylesheet {
    static let css = #"""
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 1.1875rem; line-height: 1.32;
  color: #0b0c0c; background: #fff; }
a { color: #1d70b8; text-decoration: underline; text-underline-offset: .1em; }
a:visited { color: #4c2c92; }
a:hover { color: #003078; text-decoration-thickness: max(3px, .1875rem, .12em); }
a:focus, .link-button:focus { outline: 3px solid transparent; color: #0b0c0c; background-color: #fd0;
  box-shadow: 0 -2px #fd0, 0 4px #0b0c0c; text-decoration: none; }
.skip-link { position: absolute; left: -9999px; top: 0; padding: 10px 15px; font-size: 1rem; }
.skip-link:focus { position: static; display: block; left: auto; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important; margin: 0 !important;
  padding: 0 !important; overflow: hidden !important; clip: rect(0 0 0 0) !important; white-space: nowrap !important; border: 0 !important; }
.width-container { max-width: 1020px; margin: 0 15px; }
@media (min-width: 40.0625em) { .width-container { margin: 0 30px; } }
@media (min-width: 1080px) { .width-container { margin: 0 auto; } }
.header { background: #0b0c0c; color: #fff; border-bottom: 10px solid #1d70b8; }
.header-inner { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 10px 30px; padding: 10px 0; }
.header-brand, .header-brand:visited { color: #fff; text-decoration: none; display: flex; flex-direction: column; }
.header-brand:hover { color: #fff; text-decoration: underline; }
.header-council { font-size: 1rem; }
.header-service { font-weight: 700; font-size: 1.5rem; }
.header-nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 5px 20px; }
.header-nav a, .header-nav a:visited, .header-nav .link-button { color: #fff; font-weight: 700; font-size: 1rem; }
.header-nav a[aria-current="page"] { text-decoration-thickness: 3px; }
.header-nav a:focus, .header-nav .link-button:focus { color: #0b0c0c; }
.inline-form { display: inline; margin: 0; }
.link-button { background: none; border: 0; padding: 0; font: inherit; color: #1d70b8; text-decoration: underline; cursor: pointer; }
.main { display: block; padding: 30px 0 40px; outline: none; overflow-wrap: break-word; }
.footer { border-top: 1px solid #b1b4b6; background: #f3f2f1; padding: 20px 0; font-size: 1rem; color: #0b0c0c; }
.footer-links { list-style: none; margin: 0; padding: 0; }
.footer-links li { display: inline-block; margin: 0 20px 10px 0; }
.footer-links a { display: inline-block; padding: 4px 0; }
h1 { font-size: 2rem; line-height: 1.1; margin: 0 0 30px; }
h2 { font-size: 1.5rem; line-height: 1.15; margin: 30px 0 15px; }
h3 { font-size: 1.1875rem; margin: 20px 0 10px; }
p { margin: 0 0 20px; }
.lead { font-size: 1.5rem; }
.caption { color: #505a5f; font-size: 1.1875rem; display: block; margin-bottom: 5px; }
.secondary-text { color: #505a5f; }
.form-group { margin-bottom: 30px; }
.form-group-error { border-left: 5px solid #d4351c; padding-left: 15px; }
.label, .fieldset-legend { display: block; font-weight: 700; margin-bottom: 5px; }
.fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.fieldset-legend { font-size: 1.1875rem; padding: 0; }
.hint { color: #505a5f; margin-bottom: 15px; }
.error-message { color: #d4351c; font-weight: 700; margin: 0 0 15px; }
.input, .select, .textarea { font: inherit; width: 100%; max-width: 30em; min-height: 40px; padding: 5px;
  border: 2px solid #0b0c0c; border-radius: 0; background: #fff; color: #0b0c0c; }
.input-short { max-width: 10em; }
.input-medium { max-width: 20em; }
.textarea { max-width: 40em; display: block; }
.input-error { border-color: #d4351c; }
.input:focus, .select:focus, .textarea:focus { outline: 3px solid #fd0; outline-offset: 0; box-shadow: inset 0 0 0 2px; }
.checkboxes { display: flex; flex-direction: column; gap: 10px; }
.checkbox { display: flex; align-items: flex-start; gap: 10px; }
.checkbox-input { width: 28px; height: 28px; margin: 2px 0 0; flex-shrink: 0; accent-color: #0b0c0c; }
.checkbox-input:focus { outline: 3px solid #fd0; outline-offset: 2px; }
.checkbox-label { cursor: pointer; }
.checkbox-hint { display: block; color: #505a5f; font-size: 1rem; }
.button { font: inherit; font-weight: 400; display: inline-block; padding: 8px 12px 7px; border: 2px solid transparent;
  border-radius: 0; color: #fff; background: #00703c; box-shadow: 0 2px 0 #002d18; cursor: pointer; margin: 0 15px 20px 0;
  text-decoration: none; line-height: 1.2; }
.button:hover { background: #005a30; }
.button:focus { outline: 3px solid transparent; border-color: #fd0; color: #0b0c0c; background: #fd0; box-shadow: 0 2px 0 #0b0c0c; }
.button-secondary { background: #f3f2f1; color: #0b0c0c; box-shadow: 0 2px 0 #929191; }
.button-secondary:hover { background: #dbdad9; }
.button-warning { background: #d4351c; box-shadow: 0 2px 0 #55150b; }
.button-warning:hover { background: #aa2a16; }
a.button, a.button:visited { color: #fff; }
a.button-secondary, a.button-secondary:visited { color: #0b0c0c; }
.button-group { display: flex; flex-wrap: wrap; align-items: center; gap: 0 15px; }
.error-summary { border: 5px solid #d4351c; padding: 15px; margin-bottom: 30px; }
.error-summary:focus { outline: 3px solid #fd0; }
.error-summary-title { margin-top: 0; }
.error-summary-list { margin: 0; padding: 0; list-style: none; }
.error-summary-list a, .error-summary-list a:visited { color: #d4351c; font-weight: 700; }
.notification-banner { border: 5px solid #00703c; padding: 10px 15px; margin-bottom: 30px; }
.notification-banner p { margin: 0; font-weight: 700; }
.inset { border-left: 10px solid #b1b4b6; padding: 15px; margin: 0 0 20px; }
.warning-text { font-weight: 700; }
.summary-list { margin: 0 0 30px; }
.map-figure { margin: 0 0 30px; max-width: 640px; }
.map-figure img { display: block; width: 100%; height: auto; border: 1px solid #505a5f; }
.map-figure figcaption { margin-top: 5px; }
.summary-key { font-weight: 700; padding-top: 10px; }
.summary-value { margin: 0; padding: 0 0 10px; border-bottom: 1px solid #b1b4b6; overflow-wrap: anywhere; }
@media (min-width: 40.0625em) {
  .summary-list { display: grid; grid-template-columns: 30% 1fr; }
  .summary-key { padding: 10px 20px 10px 0; border-bottom: 1px solid #b1b4b6; }
  .summary-value { padding-top: 10px; }
}
.table-scroll { overflow-x: auto; margin-bottom: 30px; }
.table { width: 100%; border-collapse: collapse; font-size: 1rem; }
.table caption { text-align: left; font-weight: 700; margin-bottom: 10px; }
.table th, .table td { text-align: left; padding: 10px 20px 10px 0; border-bottom: 1px solid #b1b4b6; vertical-align: top; }
.table th { font-weight: 700; }
.tag { display: inline-block; padding: 2px 8px; font-size: 1rem; font-weight: 700; background: #d2e2f1; color: #0c2d4a; }
.tag-grey { background: #e5e6e7; color: #282d30; }
.tag-red { background: #f4cdc6; color: #2a0b06; }
.tag-green { background: #cce2d8; color: #005a30; }
.tag-yellow { background: #fff7bf; color: #594d00; }
.row-detail { display: block; font-size: 0.875rem; font-weight: 400; color: #505a5f; }
.deadline-date { font-size: 0.875rem; color: #484949; white-space: nowrap; }
.cards { display: grid; gap: 20px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); margin-bottom: 30px; }
.card { border: 1px solid #b1b4b6; padding: 15px 20px; }
.card h2, .card h3 { margin-top: 0; }
.count { font-size: 2.5rem; font-weight: 700; display: block; }
.filters { background: #f3f2f1; padding: 15px 20px 0; margin-bottom: 30px; }
.filters .form-group { margin-bottom: 15px; }
@media (min-width: 40.0625em) { .filters-row { display: flex; flex-wrap: wrap; gap: 0 20px; align-items: flex-end; } }
.back-link { display: inline-block; margin-bottom: 20px; font-size: 1rem; color: #0b0c0c; }
.back-link:visited { color: #0b0c0c; }
.back-link::before { content: "\2039\00a0"; }
.pagination { display: flex; flex-wrap: wrap; gap: 10px 20px; margin-bottom: 30px; }
.tag-blue { background: #bbd4ea; color: #0c2d4a; }
.tags { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 30px; }
.card-link { display: block; text-decoration: none; color: #0b0c0c; }
.card-link:visited { color: #0b0c0c; }
.card-link:hover { border-color: #0b0c0c; box-shadow: inset 0 0 0 1px #0b0c0c; }
.card-link:focus { box-shadow: none; outline: 3px solid #fd0; outline-offset: 0; }
.tabs-list { list-style: none; margin: 20px 0 30px; padding: 0; display: flex; flex-wrap: wrap; gap: 5px 0; border-bottom: 1px solid #b1b4b6; }
.tabs-link { display: block; padding: 10px 15px; font-size: 1rem; }
.tabs-link[aria-current="page"] { color: #0b0c0c; text-decoration: none; border: 1px solid #b1b4b6; border-bottom: 1px solid #fff;
  margin-bottom: -1px; background: #fff; font-weight: 700; }
.tabs-count { color: inherit; }
.details { margin: 0 0 20px; }
.file-upload { font: inherit; max-width: 100%; padding: 5px 0; }
.file-upload:focus { outline: 3px solid #fd0; box-shadow: inset 0 0 0 4px #0b0c0c; }
.details summary { cursor: pointer; color: #1d70b8; text-decoration: underline; padding-left: 20px; position: relative; display: inline-block; }
.details summary::before { content: ""; position: absolute; left: 0; top: .35em; border-style: solid; border-width: 7px 0 7px 12px;
  border-color: transparent transparent transparent currentColor; }
.details[open] > summary::before { border-width: 12px 7px 0 7px; border-color: currentColor transparent transparent transparent; top: .45em; }
.details summary:focus { outline: 3px solid transparent; color: #0b0c0c; background: #fd0; box-shadow: 0 -2px #fd0, 0 4px #0b0c0c; text-decoration: none; }
.details > :not(summary) { margin-top: 15px; padding-left: 15px; border-left: 5px solid #b1b4b6; }
.actions { background: #f3f2f1; padding: 5px 20px 10px; margin-bottom: 30px; }
.actions h2 { margin-top: 15px; }
.action-form .form-group { margin-bottom: 15px; }
.timeline { list-style: none; margin: 0 0 30px; padding: 0; border-left: 5px solid #1d70b8; }
.timeline-item { padding: 0 0 20px 20px; }
.timeline-title { margin: 0 0 5px; }
.timeline-meta { color: #505a5f; font-size: 1rem; margin-bottom: 10px; }
.timeline-body { white-space: pre-wrap; margin-bottom: 10px; }
.timeline-note { background: #fff7bf; padding-top: 10px; }
.plain-list { list-style: none; margin: 0; padding: 0; }
.fieldset-legend-large { font-size: 1.5rem; }
.form-section { margin-bottom: 30px; }
.radios { flex-direction: column; }
@media (max-width: 40em) {
  .enquiry-table thead { position: absolute; left: -9999px; }
  .enquiry-table, .enquiry-table tbody, .enquiry-table tr, .enquiry-table td, .enquiry-table th { display: block; width: 100%; }
  .enquiry-table tr { border-bottom: 2px solid #b1b4b6; padding: 10px 0; }
  .enquiry-table td, .enquiry-table th { border: 0; padding: 2px 0; }
  .enquiry-table td[data-label]::before, .enquiry-table th[data-label]::before { content: attr(data-label) ": "; font-weight: 700; }
}
.demo-accounts { border-left: 10px solid #1d70b8; padding: 15px; background: #f3f2f1; margin-top: 40px; }
@media print {
  .header, .footer, .skip-link, .filters, .button, .no-print { display: none !important; }
  body { font-size: 11pt; }
  a { color: #000; text-decoration: none; }
}
.search-layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 30px; }
@media (min-width: 60em) { .search-layout { grid-template-columns: 20em minmax(0, 1fr); } }
.search-filters .input, .search-filters .select { max-width: 100%; }
.date-range .form-group { margin-bottom: 10px; }
.search-hits { padding-left: 1.5em; }
.search-hit { margin-bottom: 25px; }
.search-hit-title { font-size: 1.1875rem; margin: 0 0 5px; }
.search-hit-meta { margin: 0 0 5px; color: #505a5f; }
.search-hit-snippet { margin: 0; }
mark { background: #fff7bf; color: #0b0c0c; font-weight: 700; padding: 0 1px; }
.saved-searches li { margin-bottom: 10px; }
.save-search { margin-top: 30px; border-top: 1px solid #b1b4b6; padding-top: 20px; }
.chart-frame { max-width: 760px; margin: 20px 0 30px; }
.chart { width: 100%; height: auto; font-family: inherit; }
.chart-axis { font-size: 12px; fill: #0b0c0c; }
.chart-value { font-size: 11px; fill: #0b0c0c; }
.chart-label { font-size: 13px; font-weight: 700; fill: #942514; }
.report-table .numeric { text-align: right; font-variant-numeric: tabular-nums; }
.table-caption { text-align: left; font-weight: 700; font-size: 1.1875rem; padding: 10px 0; }
.report-list li { margin-bottom: 10px; }
.report-fact { font-size: 1.1875rem; }
.session-warning { max-width: 32rem; width: calc(100% - 2rem); border: 5px solid #0b0c0c; padding: 20px; color: #0b0c0c; background: #fff; }
.session-warning::backdrop { background: rgba(11, 12, 12, 0.7); }
.session-warning-title { margin-top: 0; }
.session-warning form { display: inline-block; margin: 0 15px 10px 0; }
.map-canvas { position: relative; height: 380px; margin-bottom: 15px; border: 1px solid #505a5f; background: #f3f2f1; }
.map-canvas:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: inset 0 0 0 2px #0b0c0c; }
.place-map .map-canvas::after { content: ""; position: absolute; left: 50%; top: 50%; width: 24px; height: 24px; margin: -12px 0 0 -12px;
  border: 2px solid #0b0c0c; border-radius: 50%; z-index: 800; pointer-events: none; }
.map-actions .button { margin-right: 15px; }
.map-status { min-height: 1.5em; }
.map-figure { margin: 0 0 20px; }
.map-figure svg, .map-figure img { display: block; width: 100%; max-width: 760px; height: auto; border: 1px solid #505a5f; }
.leaflet-container a.leaflet-popup-close-button { width: 24px; height: 24px; }
"""#

    /// Progressive enhancement only: every page works without it.
    /// - Moves focus to a form's error summary, so that screen-reader and keyboard users hear the
    ///   problems first.
    /// - Opens the session warning (`Layout.sessionWarning`) when the server says the session ends
    ///   within `data-warning` seconds; "Stay signed in" (or Escape) keeps it without leaving the
    ///   page. The server is asked again whenever the page comes back into view, since timers
    ///   stop while a laptop sleeps and the session may have been kept in another tab.
    static let script = """
    document.addEventListener("DOMContentLoaded", function () {
      var summary = document.querySelector(".error-summary");
      if (summary) { summary.focus(); }
      var dialog = document.getElementById("session-warning");
      if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) { return; }
      var warning = Number(dialog.getAttribute("data-warning")) || 300;
      var stay = dialog.querySelector(".session-warning-stay");
      var when = dialog.querySelector(".session-warning-when");
      var fixed = dialog.querySelector(".session-warning-fixed");
      var timer = null, ticker = null, endsAt = 0, lastCheck = performance.now();
      function later(seconds) { clearTimeout(timer); timer = setTimeout(check, Math.max(1, seconds) * 1000); }
      function ended() { window.location.assign(window.location.pathname + window.location.search); }
      function words() {
        var minutes = Math.max(1, Math.ceil((endsAt - performance.now()) / 60000));
        when.textContent = "in " + minutes + (minutes === 1 ? " minute" : " minutes");
      }
      function show(status) {
        endsAt = performance.now() + status.secondsLeft * 1000;
        stay.hidden = !status.canExtend;
        fixed.hidden = status.canExtend;
        words();
        clearInterval(ticker);
        ticker = setInterval(words, 15000);
        if (!dialog.open) {
          dialog.showModal();
          var first = dialog.querySelector(status.canExtend ? ".session-warning-stay button" : "form button");
          if (first) { first.focus(); }
        }
        later(status.secondsLeft);
      }
      function heard(status) {
        if (!status.signedIn) { ended(); return; }
        if (status.secondsLeft > warning) {
          clearInterval(ticker);
          if (dialog.open) { dialog.close(); }
          later(status.secondsLeft - warning);
        } else {
          show(status);
        }
      }
      function check() {
        lastCheck = performance.now();
        fetch("/session", { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (status) { if (status) { heard(status); } else { later(60); } }, function () { later(60); });
      }
      function keep() {
        fetch(stay.action, {
          method: "POST", credentials: "same-origin",
          headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(new FormData(stay)).toString()
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (status) { if (status) { heard(status); } else { stay.submit(); } }, function () { stay.submit(); });
      }
      stay.addEventListener("submit", function (event) { event.preventDefault(); keep(); });
      dialog.addEventListener("cancel", function (event) {
        if (!stay.hidden) { event.preventDefault(); keep(); }
      });
      document.addEventListener("visibilitychange", function () {
        if (!document.hidden && performance.now() - lastCheck > 5000) { check(); }
      });
      later(Number(dialog.getAttribute("data-check-after")) || 0);
    });
    """
    static let scriptPath = "/assets/portal-\(String(SHA256.hash(data: Data(script.utf8)).hex.prefix(12))).js"

    static let version: String = String(SHA256.hash(data: Data(css.utf8)).hex.prefix(12))
    static let path = "/assets/portal-\(version).css"

    /// The asset at a hashed path, or nil for any other name.
    static func response(for file: String) -> Response? {
        if "/assets/\(file)" == path { return response(css, type: HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])) }
        if "/assets/\(file)" == MapScript.path { return response(MapScript.script, type: HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])) }
        if "/assets/\(file)" == scriptPath { return response(script, type: HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])) }
        return nil
    }

    private static func response(_ body: String, type: HTTPMediaType) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = type
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }
}
