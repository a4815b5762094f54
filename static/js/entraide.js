/* Entraide — progressive enhancement. Every page works without this file: forms submit, links
   navigate. With it: "locate me", result counts announced after a live filter update, share
   and copy buttons, focus on error summaries. No build step, no dependencies. */
(function () {
  "use strict";
  // Loaded by the base layout; a page that includes it again must not set things up twice.
  if (window.entraideReady) return;
  window.entraideReady = true;
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function say(target, text) {
    if (target) target.textContent = text;
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  /* "Locate me": fills the hidden lat/lng fields of the button's form, sorts by distance and
     submits. The address field stays as the fallback when geolocation is refused. */
  function setUpGeolocation(button) {
    var form = button.form || document.getElementById(button.getAttribute("data-form"));
    if (!("geolocation" in navigator) || !form) {
      button.hidden = true;
      return;
    }
    var status = document.getElementById(button.getAttribute("data-status"));
    button.addEventListener("click", function () {
      say(status, button.getAttribute("data-locating"));
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          button.disabled = false;
          form.elements.lat.value = position.coords.latitude.toFixed(5);
          form.elements.lng.value = position.coords.longitude.toFixed(5);
          if (form.elements.where) form.elements.where.value = "";
          if (form.elements.sort) form.elements.sort.value = "distance";
          say(status, button.getAttribute("data-located"));
          if (button.hasAttribute("data-reveal")) rememberToReveal(button.getAttribute("data-reveal"));
          if (button.hasAttribute("data-submit")) submit(form);
        },
        function () {
          button.disabled = false;
          say(status, button.getAttribute("data-denied"));
          if (form.elements.where) form.elements.where.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  }

  /* After "locate me", the results that arrive are brought into view when they are below the
     fold (on a phone the search form fills the screen). Kept in sessionStorage so it also works
     when the form reloads the page instead of swapping the results in place. */
  var REVEAL_KEY = "entraide:reveal";

  function rememberToReveal(id) {
    try { window.sessionStorage.setItem(REVEAL_KEY, id); } catch (error) { /* private mode */ }
  }

  function revealIfAsked() {
    var id;
    try {
      id = window.sessionStorage.getItem(REVEAL_KEY);
      window.sessionStorage.removeItem(REVEAL_KEY);
    } catch (error) {
      return;
    }
    var target = id && document.getElementById(id);
    if (!target) return;
    var first = target.querySelector(".mission-card") || target;
    var box = first.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id) revealIfAsked();
  });

  /* Typing an address replaces a previous geolocated point. */
  function setUpAddressField(input) {
    input.addEventListener("input", function () {
      var form = input.form;
      if (form && form.elements.lat) {
        form.elements.lat.value = "";
        form.elements.lng.value = "";
      }
    });
  }

  function setUpShare(button) {
    var url = button.getAttribute("data-url");
    var title = button.getAttribute("data-title");
    var status = document.getElementById(button.getAttribute("data-status"));
    if (button.hasAttribute("data-native") && !navigator.share) return;
    if (!button.hasAttribute("data-native") && !(navigator.clipboard && window.isSecureContext)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (button.hasAttribute("data-native")) {
        navigator.share({ title: title, url: url }).catch(function () {});
      } else {
        navigator.clipboard.writeText(url).then(function () {
          say(status, button.getAttribute("data-done"));
        });
      }
    });
  }

  /* After a live filter update, announce the new count to screen readers. */
  function announceResults() {
    var live = document.getElementById("results-status");
    var count = document.querySelector("[data-results-count]");
    if (live && count) say(live, count.textContent.trim());
  }

  /* On small screens the menu folds behind a "Menu" button: the stylesheet folds it and shows
     the button from the first paint (scripting media query), so nothing moves when this runs;
     the button opens and closes it. Without JS it simply wraps. */
  function setUpMenu(button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    var nav = menu && menu.closest("nav");
    if (!nav) return;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    });
  }

  ready(function () {
    document.querySelectorAll("[data-menu-toggle]").forEach(setUpMenu);
    document.querySelectorAll("[data-geolocate]").forEach(setUpGeolocation);
    document.querySelectorAll("input[data-address]").forEach(setUpAddressField);
    document.querySelectorAll("[data-share]").forEach(setUpShare);
    revealIfAsked();
    document.querySelectorAll("[data-js-only]").forEach(function (element) {
      element.hidden = false;
    });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  /* Shareable URLs: a live filter update pushes its query to the address bar; leave out the
     empty fields so the link says only what was chosen. */
  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    var data = event.detail.formData;
    if (!data || !source || !source.closest || !source.closest("[data-compact-query]")) return;
    var names = {};
    data.forEach(function (value, name) {
      names[name] = names[name] || value !== "";
    });
    Object.keys(names).forEach(function (name) {
      if (!names[name]) data.delete(name);
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "results") announceResults();
  });
})();
