// newsreview: shared page behaviour (problems banner for failed htmx requests).
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
