/* The instance settings pages of the back office.
 *
 * Branding: the preview follows the name, tagline and colours as they are typed, and the contrast
 * table is recomputed with the formulas of tenants/branding.py (WCAG 2.1 relative luminance; text
 * on a colour is white or near-black, whichever reads better). Without JavaScript the page shows
 * the same preview, rendered by the server, and its "Preview without saving" button.
 *
 * Map: a Leaflet map where a click sets the centre and zooming sets the zoom level, kept in sync
 * with the latitude, longitude and zoom fields (which are what the form sends, and all there is
 * without JavaScript). */
(function () {
  "use strict";

  // Leaflet finds its default pin by cutting "marker-icon.png" off a URL in its CSS; with hashed
  // static names (production) that fails, so the template gives the pin's URLs.
  function pinIcon(element) {
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: element.dataset.markerIcon,
      iconRetinaUrl: element.dataset.markerIconRetina,
      shadowUrl: element.dataset.markerShadow,
    });
  }

  var HEX = /^#[0-9a-fA-F]{6}$/;
  var DARK_TEXT = "#111111";
  var LIGHT_TEXT = "#ffffff";
  var MINIMUM_CONTRAST = 4.5;

  function channel(value) {
    var srgb = value / 255;
    return srgb <= 0.03928 ? srgb / 12.92 : Math.pow((srgb + 0.055) / 1.055, 2.4);
  }

  function luminance(hex) {
    var red = parseInt(hex.slice(1, 3), 16);
    var green = parseInt(hex.slice(3, 5), 16);
    var blue = parseInt(hex.slice(5, 7), 16);
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue);
  }

  function contrast(first, second) {
    var a = luminance(first);
    var b = luminance(second);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  function readableTextOn(background) {
    var onLight = contrast(background, DARK_TEXT);
    var onDark = contrast(background, LIGHT_TEXT);
    if (Math.max(onLight, onDark) >= MINIMUM_CONTRAST) {
      return onDark > onLight ? LIGHT_TEXT : DARK_TEXT;
    }
    return "#000000";
  }

  function formatRatio(ratio, minimum) {
    var shown = Math.round(ratio * 100) / 100;
    if (ratio < minimum && shown >= minimum) {
      shown = Math.floor(ratio * 100) / 100;
    }
    return shown.toLocaleString(document.documentElement.lang || undefined, {
      maximumFractionDigits: 2,
    });
  }

  function brandPreview() {
    var preview = document.querySelector("[data-brand-preview]");
    var primaryInput = document.getElementById("id_primary_color");
    var accentInput = document.getElementById("id_accent_color");
    if (!preview || !primaryInput || !accentInput) {
      return;
    }
    var nameInput = document.getElementById("id_name");
    var taglineInput = document.getElementById("id_tagline");
    var nameTarget = preview.querySelector("[data-preview-name]");
    var taglineTarget = preview.querySelector("[data-preview-tagline]");
    var current = {
      primary: preview.style.getPropertyValue("--preview-primary").trim(),
      accent: preview.style.getPropertyValue("--preview-accent").trim(),
    };

    function colourOf(source) {
      if (source === "primary" || source === "accent") {
        return current[source];
      }
      if (source === "on-primary") {
        return readableTextOn(current.primary);
      }
      if (source === "on-accent") {
        return readableTextOn(current.accent);
      }
      return source;
    }

    function update() {
      var primary = primaryInput.value.trim();
      var accent = accentInput.value.trim();
      if (HEX.test(primary)) {
        current.primary = primary.toLowerCase();
      }
      if (HEX.test(accent)) {
        current.accent = accent.toLowerCase();
      }
      preview.style.setProperty("--preview-primary", current.primary);
      preview.style.setProperty("--preview-on-primary", readableTextOn(current.primary));
      preview.style.setProperty("--preview-accent", current.accent);
      preview.style.setProperty("--preview-on-accent", readableTextOn(current.accent));
      if (nameInput && nameTarget) {
        nameTarget.textContent = nameInput.value;
      }
      if (taglineInput && taglineTarget) {
        taglineTarget.textContent = taglineInput.value;
      }
      preview.querySelectorAll("[data-contrast-check]").forEach(function (row) {
        var foreground = colourOf(row.dataset.foreground);
        var background = colourOf(row.dataset.background);
        var minimum = parseFloat(row.dataset.minimum);
        var ratio = contrast(foreground, background);
        var passes = ratio >= minimum;
        row.querySelector("[data-colours]").textContent = foreground + " / " + background;
        row.querySelector("[data-ratio]").textContent = formatRatio(ratio, minimum) + ":1";
        row.querySelector("[data-verdict]").textContent = passes
          ? preview.dataset.textPasses
          : preview.dataset.textFails;
        row.classList.toggle("fails", !passes);
      });
    }

    [primaryInput, accentInput, nameInput, taglineInput].forEach(function (input) {
      if (input) {
        input.addEventListener("input", update);
      }
    });
  }

  function mapCentrePicker() {
    var picker = document.querySelector("[data-map-centre-picker]");
    if (!picker || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    var latInput = document.getElementById(picker.dataset.latitudeInput);
    var lngInput = document.getElementById(picker.dataset.longitudeInput);
    var zoomInput = document.getElementById(picker.dataset.zoomInput);
    var status = picker.querySelector("[data-map-centre-status]");
    if (!latInput || !lngInput || !zoomInput) {
      return;
    }

    function number(input, fallback) {
      var value = parseFloat(String(input.value).replace(",", "."));
      return isFinite(value) ? value : fallback;
    }

    var minZoom = parseInt(zoomInput.min, 10) || 2;
    var maxZoom = parseInt(zoomInput.max, 10) || 18;
    picker.hidden = false;
    pinIcon(picker);
    var map = L.map(picker.querySelector("[data-map-centre-map]"), {
      center: [number(latInput, 0), number(lngInput, 0)],
      zoom: number(zoomInput, 12),
      minZoom: minZoom,
      maxZoom: maxZoom,
      keyboard: true,
    });
    L.tileLayer(picker.dataset.tileUrl, {
      attribution: picker.dataset.tileAttribution,
      maxZoom: maxZoom,
    }).addTo(map);
    var marker = L.marker(map.getCenter(), { keyboard: false }).addTo(map);

    function announce() {
      if (status) {
        status.textContent = status.dataset.text
          .replace("{lat}", latInput.value)
          .replace("{lng}", lngInput.value)
          .replace("{zoom}", zoomInput.value);
      }
    }

    function setCentre(latlng) {
      var lat = Math.round(latlng.lat * 1e6) / 1e6;
      var lng = Math.round(L.Util.wrapNum(latlng.lng, [-180, 180], true) * 1e6) / 1e6;
      latInput.value = lat;
      lngInput.value = lng;
      marker.setLatLng([lat, lng]);
      announce();
    }

    map.on("click", function (event) {
      setCentre(event.latlng);
    });
    map.on("zoomend", function () {
      zoomInput.value = map.getZoom();
      announce();
    });
    var useView = picker.querySelector("[data-map-centre-use-view]");
    if (useView) {
      useView.addEventListener("click", function () {
        zoomInput.value = map.getZoom();
        setCentre(map.getCenter());
      });
    }
    // Typed values move the map too.
    [latInput, lngInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var centre = L.latLng(number(latInput, 0), number(lngInput, 0));
        marker.setLatLng(centre);
        map.panTo(centre);
      });
    });
    zoomInput.addEventListener("change", function () {
      map.setZoom(number(zoomInput, map.getZoom()));
    });
  }

  brandPreview();
  mapCentrePicker();
})();
