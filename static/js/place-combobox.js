/* Place suggestions under an address field: the WAI-ARIA 1.2 combobox pattern (an editable
   combobox with a list popup), fed by GET /api/v1/places/?q= (engagement/places/api.py).

   An input marked `data-place-suggestions="<url>"` becomes the combobox. From 3 characters it
   asks for suggestions (debounced); the list opens under it. Keyboard: Down/Up move through the
   options (the focus stays in the input, aria-activedescendant names the active option), Enter
   picks the active option, Escape closes the list (a second Escape clears the field), Alt+Down
   opens it again. A click or tap picks too. The number of suggestions is announced.

   Picking an option writes its label in the field and, when the input names them, fills other
   fields: `data-place-latitude` / `data-place-longitude` (ids: the mission's pin),
   `data-place-postcode` / `data-place-city`. Then a `change` event bubbles, so the resident's
   search (htmx, hx-trigger="change") runs at once. Without JavaScript nothing of this exists:
   the server locates what was typed on submit. */
(function () {
  "use strict";

  var MIN_LENGTH = 3;
  var DELAY_MS = 250;
  var counter = 0;

  function setUp(input) {
    var url = input.getAttribute("data-place-suggestions");
    if (!url || !window.fetch) return;
    counter += 1;
    var listId = "place-suggestions-" + counter;
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-place-list-label") || "");
    list.hidden = true;
    wrapper.appendChild(list);

    var status = document.createElement("p");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    wrapper.appendChild(status);

    // The browser's own suggestions (datalist, autofill) would cover ours.
    input.removeAttribute("list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var places = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = "";

    function option(index) {
      return document.getElementById(listId + "-" + index);
    }

    function setActive(index) {
      if (active >= 0 && option(active)) option(active).setAttribute("aria-selected", "false");
      active = index;
      if (active >= 0 && option(active)) {
        option(active).setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", listId + "-" + active);
        option(active).scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!places.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function render(results) {
      places = results;
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      results.forEach(function (place, index) {
        var item = document.createElement("li");
        item.id = listId + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.className = "combobox-option";
        item.textContent = place.label;
        // mousedown, not click: the input keeps the focus (no blur closing the list first).
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(index);
        });
        list.appendChild(item);
      });
      var text = results.length
        ? (input.getAttribute("data-place-count-text") || "{count}").replace("{count}", results.length)
        : input.getAttribute("data-place-none-text") || "";
      // An answer that arrives after the person moved on to another field opens nothing.
      if (document.activeElement !== input) {
        close();
        return;
      }
      status.textContent = text;
      if (results.length) open();
      else close();
    }

    function fill(attribute, value) {
      var id = input.getAttribute(attribute);
      var field = id && document.getElementById(id);
      if (field) field.value = value;
      return field;
    }

    function pick(index) {
      var place = places[index];
      if (!place) return;
      var label = place.label;
      if (input.hasAttribute("data-place-postcode") && place.postcode) {
        // The mission form has its own postcode and city fields: keep the street in this one.
        var tail = " " + place.postcode + " " + place.city;
        if (label.slice(-tail.length) === tail) label = label.slice(0, -tail.length);
        fill("data-place-postcode", place.postcode);
        if (place.city) fill("data-place-city", place.city);
      }
      input.value = label;
      lastQuery = label;
      fill("data-place-latitude", place.lat.toFixed(6));
      var longitude = fill("data-place-longitude", place.lng.toFixed(6));
      close();
      status.textContent = label;
      if (longitude) longitude.dispatchEvent(new Event("change", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function ask() {
      var query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        render([]);
        status.textContent = "";
        return;
      }
      if (query === lastQuery) return;
      lastQuery = query;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var address = url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
      fetch(address, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (body) {
          if (input.value.trim() === query) render(body.results || []);
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (event.altKey || list.hidden) {
          open();
          if (event.altKey) {
            event.preventDefault();
            return;
          }
        }
        if (!places.length) return;
        event.preventDefault();
        setActive(active + 1 >= places.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!places.length || list.hidden) return;
        event.preventDefault();
        setActive(active <= 0 ? places.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          pick(active);
        } else {
          close();
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          lastQuery = "";
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 100);
    });
  }

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  ready(function () {
    document.querySelectorAll("input[data-place-suggestions]").forEach(setUp);
  });
})();
