import Crypto
import Foundation
import Vapor

/// The script that turns a page's map places into Leaflet maps. Progressive enhancement only:
/// without Leaflet or without JavaScript the page keeps the map the server drew and its forms,
/// and every way of placing an enquiry still works.
/// - `[data-place-picker]` (the enquiry form): clicking or tapping the map, the "Place the spot at
///   the centre" button (for keyboards), "Use my location", a typed reference and a shown asset
///   all fill the same fields the server reads: the point, the asset and the district, division
///   and parish. The spot snaps to the nearest asset of the chosen layer within 30 m, and open
///   enquiries of the same type within 50 m are listed before the form is sent.
/// - `[data-enquiry-map]` (a search's map): every enquiry of the search as a marker linking to it,
///   clustered where dense.
/// The map's answers come from `/places/...` (`PlaceRoutes`); text reaches the page only through
/// `textContent`, never as markup.
enum MapScript {
    static let script = #"""
    (function () {
      "use strict";
      var L = window.L;
      if (!L || !window.fetch || !window.Promise) { return; }
      function meta(name) {
        var found = document.querySelector('meta[name="' + name + '"]');
        return found ? found.getAttribute("content") : "";
      }
      function getJSON(url) {
        return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          });
      }
      var looks = {
        district: { color: "#0b0c0c", weight: 3, fill: false, interactive: false },
        division: { color: "#505a5f", weight: 2, dashArray: "8 4", fill: false, interactive: false },
        parish: { color: "#6f777b", weight: 1, dashArray: "2 3", fill: false, interactive: false }
      };
      function newMap(element) {
        var canvas = element.querySelector(".map-canvas");
        var map = L.map(canvas, { keyboard: true, maxZoom: 19 });
        map.attributionControl.setPrefix(false);
        var tiles = meta("map-tiles");
        if (tiles) {
          // Leaflet writes the attribution as markup: the setting is text, so it goes in escaped.
          var holder = document.createElement("span");
          holder.textContent = meta("map-attribution");
          L.tileLayer(tiles, { maxZoom: 19, attribution: holder.innerHTML }).addTo(map);
        }
        canvas.setAttribute("role", "region");
        canvas.setAttribute("aria-label", element.getAttribute("data-label") || "Map");
        var boundaries = element.getAttribute("data-boundaries");
        var outlines = boundaries ? getJSON(boundaries).then(function (answer) {
          if (!answer.ok) { return null; }
          return L.geoJSON(answer.body, { interactive: false, style: function (feature) {
            return looks[feature.properties.kind] || looks.parish;
          } }).addTo(map);
        }) : Promise.resolve(null);
        var centre = (element.getAttribute("data-centre") || "").split(",").map(Number);
        // Great Britain, until the council or the enquiries say where to look.
        if (centre.length === 2 && isFinite(centre[0]) && isFinite(centre[1])) { map.setView(centre, 11); } else { map.setView([54.0, -2.5], 6); }
        return { map: map, outlines: outlines };
      }
      function pointText(latlng) { return latlng.lat.toFixed(6) + ", " + latlng.lng.toFixed(6); }
      // Text for a tooltip or popup, as a node: Leaflet would read a string as markup.
      function textNode(text) {
        var node = document.createElement("span");
        node.textContent = text;
        return node;
      }

      function setupPicker(element) {
        var form = element.closest("form");
        if (!form) { return; }
        function field(name) { return form.querySelector('[name="' + name + '"]'); }
        var pointInput = field("point"), assetInput = field("asset"), layerSelect = field("asset-layer"), typeSelect = field("type");
        var status = document.getElementById("place-status");
        var assetText = document.getElementById("asset-chosen");
        var nearbyBox = document.getElementById("nearby-reports");
        var except = element.getAttribute("data-enquiry") || "";
        element.hidden = false;
        var made = newMap(element), map = made.map;
        var marker = null, assets = L.layerGroup().addTo(map), placing = 0;
        function say(text) { status.textContent = text; }
        function mark(latlng) {
          if (marker) { marker.setLatLng(latlng); } else {
            marker = L.circleMarker(latlng, { radius: 10, color: "#d4351c", weight: 4, fill: false, interactive: false }).addTo(map);
          }
        }
        function choose(name, place) {
          var select = field(name);
          if (select && place) { select.value = place.id; }
        }
        function layerNoun() {
          if (!layerSelect || !layerSelect.value) { return ""; }
          return layerSelect.options[layerSelect.selectedIndex].getAttribute("data-noun") || "asset";
        }
        function setAsset(asset) {
          if (assetInput) { assetInput.value = asset ? asset.key : ""; }
          if (assetText) {
            assetText.textContent = asset ? "Asset: " + asset.label + " (" + asset.reference + ")" : "";
            assetText.hidden = !asset;
          }
        }
        function showNearby(answer) {
          if (!nearbyBox) { return; }
          nearbyBox.textContent = "";
          var list = answer ? answer.enquiries : [];
          if (!list || !list.length) { return; }
          status.textContent = status.textContent + " " + answer.summary + ".";
          var box = document.createElement("div");
          box.className = "inset";
          var heading = document.createElement("p");
          var strong = document.createElement("strong");
          strong.textContent = answer.summary;
          heading.appendChild(strong);
          box.appendChild(heading);
          var items = document.createElement("ul");
          items.className = "plain-list";
          list.forEach(function (near) {
            var item = document.createElement("li");
            var name = document.createElement(near.link ? "a" : "strong");
            if (near.link) { name.href = near.link; }
            name.textContent = near.reference;
            item.appendChild(name);
            item.appendChild(document.createTextNode(": " + near.type + ", " + near.status + ", raised " + near.raised + ", " +
              (near.metres === null || near.metres === undefined ? "within 50 m" : near.metres + " m away")));
            items.appendChild(item);
          });
          box.appendChild(items);
          nearbyBox.appendChild(box);
        }
        function nearby() {
          var type = typeSelect ? typeSelect.value : "";
          if (!type || !pointInput.value) { showNearby(null); return Promise.resolve(); }
          return getJSON("/places/nearby-enquiries?point=" + encodeURIComponent(pointInput.value) + "&type=" + encodeURIComponent(type) +
                         (except ? "&except=" + encodeURIComponent(except) : ""))
            .then(function (answer) { showNearby(answer.ok ? answer.body : null); }, function () { showNearby(null); });
        }
        function fill(spot) {
          choose("district", spot.district); choose("division", spot.division); choose("parish", spot.parish);
        }
        // Places the spot: fills the point and the places holding it, then snaps to the nearest
        // asset of the chosen layer unless an asset was picked, then lists open enquiries nearby.
        function place(latlng, picked) {
          var turn = ++placing;
          mark(latlng);
          // Placed from far out, the map comes in close, where the spot can be moved and assets picked.
          if (map.getZoom() < 16) { map.setView(latlng, 17); }
          return getJSON("/places/locate?point=" + encodeURIComponent(pointText(latlng))).then(function (answer) {
            if (turn !== placing) { return; }
            if (!answer.ok) { say(answer.body.error + "."); return; }
            var spot = answer.body;
            pointInput.value = spot.gridReference;
            fill(spot);
            var where = "The spot is at " + spot.gridReference + (spot.division ? ", in " + spot.division.name + " division" : "") + ".";
            var noun = layerNoun();
            var snapped = picked ? Promise.resolve(picked) : !noun ? Promise.resolve(null) :
              getJSON("/places/nearest-asset?point=" + encodeURIComponent(pointText(latlng)) + "&layer=" + encodeURIComponent(layerSelect.value))
                .then(function (found) { return found.ok && found.body.length ? found.body[0] : null; });
            return snapped.then(function (asset) {
              if (turn !== placing) { return; }
              setAsset(asset);
              if (!asset) {
                say(where + (noun ? " No " + noun + " is within 30 m, so the spot is kept as it is." : ""));
                return nearby();
              }
              pointInput.value = asset.gridReference;
              mark(L.latLng(asset.latitude, asset.longitude));
              var about = " It is about " + asset.label + " (" + asset.reference + ")" + (picked ? "." : ", " + asset.metres + " m away.");
              // The places holding the spot where it ends, on the asset.
              return getJSON("/places/locate?point=" + encodeURIComponent(asset.gridReference)).then(function (onAsset) {
                if (turn !== placing) { return; }
                if (onAsset.ok) { fill(onAsset.body); }
                say("The spot is at " + asset.gridReference + (onAsset.ok && onAsset.body.division ? ", in " + onAsset.body.division.name + " division" : "") + "." + about);
                return nearby();
              });
            });
          }).catch(function () { say("The map could not reach the portal. Type a grid reference instead."); });
        }
        var viewing = 0;
        function showAssets() {
          var turn = ++viewing;
          assets.clearLayers();
          if (map.getZoom() < 16) { return; }
          var layer = layerSelect && layerSelect.value ? "&layer=" + encodeURIComponent(layerSelect.value) : "";
          getJSON("/places/assets?bbox=" + map.getBounds().toBBoxString() + layer).then(function (answer) {
            // An answer for a view already left behind is dropped.
            if (!answer.ok || turn !== viewing) { return; }
            assets.clearLayers();
            answer.body.assets.forEach(function (asset) {
              L.circleMarker([asset.latitude, asset.longitude], { radius: 6, color: "#ffffff", weight: 2, fillColor: "#1d70b8", fillOpacity: 1 })
                .bindTooltip(textNode(asset.label + " (" + asset.reference + ")"))
                .on("click", function (event) { L.DomEvent.stopPropagation(event); place(L.latLng(asset.latitude, asset.longitude), asset); })
                .addTo(assets);
            });
          });
        }
        map.on("click", function (event) { place(event.latlng, null); });
        map.on("moveend", showAssets);
        var actions = element.querySelector(".map-actions");
        function button(text, handler) {
          var made = document.createElement("button");
          made.type = "button";
          made.className = "button button-secondary";
          made.textContent = text;
          made.addEventListener("click", handler);
          actions.appendChild(made);
          return made;
        }
        button("Place the spot at the centre of the map", function () { place(map.getCenter(), null); });
        if (navigator.geolocation) {
          button("Use my location", function () {
            say("Finding where you are…");
            navigator.geolocation.getCurrentPosition(function (position) {
              var here = L.latLng(position.coords.latitude, position.coords.longitude);
              map.setView(here, 18);
              place(here, null);
            }, function () {
              say("Your location could not be found. Click the map, find an address or type a grid reference instead.");
            }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
          });
        }
        function placeTyped() {
          if (!pointInput.value.trim()) { return; }
          getJSON("/places/locate?point=" + encodeURIComponent(pointInput.value)).then(function (answer) {
            if (!answer.ok) { say(answer.body.error + "."); return; }
            var here = L.latLng(answer.body.latitude, answer.body.longitude);
            map.setView(here, Math.max(map.getZoom(), 17));
            place(here, null);
          }).catch(function () { say("The map could not reach the portal; the spot is checked when the form is sent."); });
        }
        pointInput.addEventListener("change", placeTyped);
        // An address chosen from the gazetteer's answers ("easting,northing|address") places the spot there.
        form.addEventListener("change", function (event) {
          var target = event.target;
          if (target.name !== "address-choice" || !target.checked) { return; }
          var bar = target.value.indexOf("|");
          if (bar < 0) { return; }
          pointInput.value = target.value.slice(0, bar).replace(",", ", ");
          var location = field("location");
          if (location && !location.value.trim()) { location.value = target.value.slice(bar + 1); }
          placeTyped();
        });
        if (typeSelect) { typeSelect.addEventListener("change", nearby); }
        if (layerSelect) {
          layerSelect.addEventListener("change", function () {
            showAssets();
            if (marker) { place(marker.getLatLng(), null); }
          });
        }
        var start = (element.getAttribute("data-point") || "").split(",").map(Number);
        if (start.length === 2 && isFinite(start[0]) && isFinite(start[1])) {
          map.setView(start, 17);
          mark(L.latLng(start[0], start[1]));
        } else {
          made.outlines.then(function (outlines) { if (outlines && !marker) { map.fitBounds(outlines.getBounds()); } });
        }
      }

      function setupEnquiryMap(element) {
        element.hidden = false;
        var fallback = document.getElementById(element.getAttribute("data-replaces") || "");
        var made = newMap(element), map = made.map;
        var group = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 }) : L.featureGroup();
        getJSON(element.getAttribute("data-points")).catch(function () { return { ok: false }; }).then(function (answer) {
          if (!answer.ok) { return; }
          answer.body.enquiries.forEach(function (enquiry) {
            var link = document.createElement("a");
            link.href = "/enquiries/" + enquiry.id;
            link.textContent = enquiry.reference;
            var box = document.createElement("div");
            box.appendChild(link);
            box.appendChild(document.createTextNode(": " + enquiry.subject + " (" + enquiry.status + ")"));
            group.addLayer(L.circleMarker([enquiry.latitude, enquiry.longitude], { radius: 7, color: "#ffffff", weight: 2, fillColor: "#d4351c", fillOpacity: 1 })
              .bindPopup(box));
          });
          group.addTo(map);
          if (answer.body.enquiries.length) { map.fitBounds(group.getBounds(), { maxZoom: 17, padding: [20, 20] }); }
          else { made.outlines.then(function (outlines) { if (outlines) { map.fitBounds(outlines.getBounds()); } }); }
          if (fallback) { fallback.hidden = true; }
        });
      }

      document.addEventListener("DOMContentLoaded", function () {
        Array.prototype.forEach.call(document.querySelectorAll("[data-place-picker]"), setupPicker);
        Array.prototype.forEach.call(document.querySelectorAll("[data-enquiry-map]"), setupEnquiryMap);
      });
    })();
    """#

    static let path = "/assets/map-\(String(SHA256.hash(data: Data(script.utf8)).hex.prefix(12))).js"
}
