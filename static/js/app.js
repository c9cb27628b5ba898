// newsreview: shared page behaviour (problems banner for failed htmx requests).

// In DEBUG, django-htmx's debug script replaces the whole page with any 400/403/404 body
// so a developer sees Django's error page. Our plain-text 4xx answers (and the 503 sent
// while the database is unreachable) are messages for #problems: stop the event before it
// reaches that script (a window capture listener runs first; htmx itself only looks at
// whether the event was cancelled, so it goes on to fire htmx:responseError below). HTML
// error pages and 500s still reach it.
window.addEventListener(
  "htmx:beforeOnLoad",
  (event) => {
    const xhr = event.detail.xhr;
    const plain = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain");
    const message = (xhr.status >= 400 && xhr.status < 500) || xhr.status === 503;
    if (message && plain) event.stopPropagation();
  },
  true,
);

document.addEventListener("htmx:responseError", (event) => {
  const region = document.getElementById("problems");
  if (!region) return;
  const p = document.createElement("p");
  p.className = "problem";
  p.textContent = event.detail.xhr.responseText.length < 300 && !event.detail.xhr.responseText.includes("<")
    ? event.detail.xhr.responseText
    : `${document.body.dataset.msgRequestFailed || "The request failed. HTTP status:"} ${event.detail.xhr.status}`;
  region.replaceChildren(p);
});
