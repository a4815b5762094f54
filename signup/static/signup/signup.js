// The sign-up form: propose an address from the name, check it as it is typed.
(function () {
  "use strict";
  const form = document.querySelector("[data-signup-form]");
  if (!form) return;
  const name = form.querySelector("[name=name]");
  const slug = form.querySelector("[name=slug]");
  const status = form.querySelector("[data-slug-status]");
  const url = form.dataset.checkUrl;
  let edited = slug.value !== "";
  let timer = null;
  let seq = 0;

  function check(params) {
    const mine = ++seq;
    fetch(url + "?" + new URLSearchParams(params), { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((data) => {
        if (mine !== seq) return;
        if (!edited && data.slug) slug.value = data.slug;
        status.textContent = data.message;
        status.dataset.available = data.available ? "yes" : "no";
        slug.setAttribute("aria-invalid", data.available ? "false" : "true");
      })
      .catch(() => { status.textContent = ""; });
  }
  function later(params) {
    clearTimeout(timer);
    timer = setTimeout(() => check(params), 250);
  }
  name.addEventListener("input", () => { if (!edited) later({ name: name.value }); });
  slug.addEventListener("input", () => { edited = slug.value !== ""; later({ slug: slug.value }); });
})();
