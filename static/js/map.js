/* Maps with Leaflet (served from django-leaflet's static files). A map element names the tile
   server and attribution (tenant settings), a centre, a zoom and the id of a JSON script that
   lists its points; the list next to it carries the same missions, so the map is an extra. */
(function () {
  "use strict";
  if (typeof L === "undefined") {
    // Leaflet did not load: the place the stylesheet kept for the map goes (the list remains).
    document.querySelectorAll("[data-map]").forEach(function (element) {
      element.hidden = true;
    });
    return;
  }

  function readPoints(id) {
    var script = id && document.getElementById(id);
    if (!script) return null;
    try {
      return JSON.parse(script.textContent);
    } catch (error) {
      return null;
    }
  }

  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function popup(point) {
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.title;
    wrapper.appendChild(link);
    if (point.detail) {
      var detail = document.createElement("div");
      detail.textContent = point.detail;
      wrapper.appendChild(detail);
    }
    return wrapper;
  }

  function setUp(element) {
    element.hidden = false;
    var centre = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lng)];
    var map = L.map(element, { scrollWheelZoom: false }).setView(centre, parseInt(element.dataset.zoom, 10) || 12);
    L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.attribution,
      maxZoom: 19,
    }).addTo(map);
    var layer = L.layerGroup().addTo(map);
    var primary = colour("--brand-primary", "#1f4e8c");
    var accent = colour("--brand-accent", "#b34700");

    var lastBounds = null;

    function frame() {
      if (lastBounds && lastBounds.length > 1) map.fitBounds(lastBounds, { padding: [30, 30], maxZoom: 15 });
      else if (lastBounds && lastBounds.length === 1) map.setView(lastBounds[0], Math.max(map.getZoom(), 14));
    }

    function draw(data) {
      layer.clearLayers();
      lastBounds = null;
      if (!data) return;
      var bounds = [];
      (data.points || []).forEach(function (point) {
        var marker = L.circleMarker([point.lat, point.lng], {
          radius: 9, weight: 3, color: "#ffffff", fillColor: primary, fillOpacity: 1,
        });
        marker.bindPopup(popup(point));
        marker.bindTooltip(point.title);
        marker.addTo(layer);
        bounds.push([point.lat, point.lng]);
      });
      if (data.origin) {
        var origin = L.circleMarker([data.origin.lat, data.origin.lng], {
          radius: 7, weight: 3, color: "#ffffff", fillColor: accent, fillOpacity: 1,
        });
        origin.bindTooltip(data.origin.label || "");
        origin.addTo(layer);
        bounds.push([data.origin.lat, data.origin.lng]);
      }
      if (bounds.length) {
        lastBounds = bounds;
        frame();
      } else if (data.centre) {
        map.setView([data.centre.lat, data.centre.lng], data.centre.zoom || map.getZoom());
      }
    }

    draw(readPoints(element.dataset.points));
    document.addEventListener("htmx:afterSettle", function () {
      draw(readPoints(element.dataset.points));
    });
    // Leaflet measures its container once: when the layout settles or changes, measure again
    // and frame the pins again.
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        map.invalidateSize();
        frame();
      }).observe(element);
    }
  }

  /* Leaflet's stylesheet comes with media="print" (data-map-stylesheet) so that it does not hold
     the first paint back: the maps are drawn after it, once it applies to the screen. */
  function whenStyled(callback) {
    var link = document.querySelector("link[data-map-stylesheet]");
    if (!link) return callback();
    link.media = "all";
    if (link.sheet) return callback();
    link.addEventListener("load", callback);
    link.addEventListener("error", callback);
  }

  function start() {
    whenStyled(function () {
      document.querySelectorAll("[data-map]").forEach(setUp);
    });
  }
  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
