/* The mission's pin on a Leaflet map.
 *
 * Without JavaScript the mission form shows plain latitude/longitude inputs and an address
 * (located by the server's geocoder). With it, this file shows a map, hides the two inputs and
 * keeps them in sync with a draggable pin: click or tap to place it, drag to adjust, or — from the
 * keyboard — pan with the arrow keys and press "Place the pin at the centre". */
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

  var picker = document.querySelector("[data-map-picker]");
  if (!picker || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var latInput = document.getElementById(picker.dataset.latitudeInput);
  var lngInput = document.getElementById(picker.dataset.longitudeInput);
  var coordinates = document.querySelector("[data-coordinates]");
  var status = picker.querySelector("[data-map-picker-status]");
  if (!latInput || !lngInput) {
    return;
  }

  function parse(value) {
    var number = parseFloat(String(value).replace(",", "."));
    return isFinite(number) ? number : null;
  }

  picker.hidden = false;
  if (coordinates && !coordinates.querySelector(".errorlist")) {
    // Keep the inputs in the form (they are what is submitted) but out of sight, unless the
    // server flagged them: then the person must see what to fix.
    coordinates.hidden = true;
  }

  pinIcon(picker);
  var centre = [parse(picker.dataset.centerLat) || 0, parse(picker.dataset.centerLng) || 0];
  var map = L.map(picker.querySelector("[data-map-picker-map]"), {
    center: centre,
    zoom: parseInt(picker.dataset.zoom, 10) || 12,
    keyboard: true,
  });
  L.tileLayer(picker.dataset.tileUrl, {
    attribution: picker.dataset.tileAttribution,
    maxZoom: 19,
  }).addTo(map);

  var marker = null;

  function announce(lat, lng) {
    if (!status) {
      return;
    }
    if (lat === null) {
      status.textContent = status.dataset.textNone;
      return;
    }
    status.textContent = status.dataset.textPlaced
      .replace("{lat}", lat.toFixed(5))
      .replace("{lng}", lng.toFixed(5));
  }

  function place(latlng, pan) {
    var lat = Math.round(latlng.lat * 1e6) / 1e6;
    var lng = Math.round(L.Util.wrapNum(latlng.lng, [-180, 180], true) * 1e6) / 1e6;
    latInput.value = lat;
    lngInput.value = lng;
    if (marker) {
      marker.setLatLng([lat, lng]);
    } else {
      marker = L.marker([lat, lng], { draggable: true, autoPan: true, keyboard: false }).addTo(map);
      marker.on("dragend", function () {
        place(marker.getLatLng(), false);
      });
    }
    if (pan) {
      map.panTo([lat, lng]);
    }
    announce(lat, lng);
  }

  function clear() {
    latInput.value = "";
    lngInput.value = "";
    if (marker) {
      map.removeLayer(marker);
      marker = null;
    }
    announce(null, null);
  }

  var initialLat = parse(latInput.value);
  var initialLng = parse(lngInput.value);
  if (initialLat !== null && initialLng !== null) {
    place(L.latLng(initialLat, initialLng), true);
  } else {
    announce(null, null);
  }

  // A place picked in the address field's suggestions (place-combobox.js) moves the pin.
  lngInput.addEventListener("change", function () {
    var lat = parse(latInput.value);
    var lng = parse(lngInput.value);
    if (lat !== null && lng !== null) {
      place(L.latLng(lat, lng), true);
    }
  });

  map.on("click", function (event) {
    place(event.latlng, false);
  });
  var centreButton = picker.querySelector("[data-map-picker-centre]");
  if (centreButton) {
    centreButton.addEventListener("click", function () {
      place(map.getCenter(), false);
    });
  }
  var clearButton = picker.querySelector("[data-map-picker-clear]");
  if (clearButton) {
    clearButton.addEventListener("click", clear);
  }
})();
