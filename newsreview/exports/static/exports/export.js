// Export page: show only the chosen format's options and tool set-up notes, and a progress
// indicator while the server prepares a download (until its response sets the nr_export
// cookie).
const form = document.querySelector("[data-export-form]");

function showOptions() {
  const chosen = form.elements.format.value;
  for (const fieldset of form.querySelectorAll("[data-format-options]")) {
    fieldset.hidden = fieldset.dataset.formatOptions !== chosen;
  }
  for (const help of form.querySelectorAll("[data-format-help]")) {
    help.hidden = help.dataset.formatHelp !== chosen;
  }
}

function cookie(name) {
  const match = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return match ? match.slice(name.length + 1) : null;
}

if (form) {
  showOptions();
  form.elements.format.addEventListener("change", showOptions);
  form.addEventListener("submit", () => {
    const token = Math.random().toString(36).slice(2, 12);
    form.querySelector("[data-export-token]").value = token;
    const preparing = form.querySelector("[data-export-preparing]");
    const started = form.querySelector("[data-export-started]");
    const button = form.querySelector("[data-export-submit]");
    preparing.hidden = false;
    started.hidden = true;
    button.disabled = true;
    const timer = setInterval(() => {
      const [sent, left] = (cookie("nr_export") || "").split("-");
      if (sent !== token) return;
      clearInterval(timer);
      preparing.hidden = true;
      started.hidden = false;
      button.disabled = false;
      // The file is complete but some annotations did not fit: say which (from the
      // server's record of this download, not a second run).
      if (Number(left) > 0) {
        const query = new URLSearchParams(new FormData(form));
        query.set("token", token);
        htmx.ajax("GET", `${form.dataset.summaryUrl}?${query}`, { target: "#export-summary", swap: "outerHTML" });
      }
    }, 300);
    // A refused export comes back as a page with its error: nothing to wait for then.
    setTimeout(() => { clearInterval(timer); button.disabled = false; }, 10 * 60 * 1000);
  });
  document.addEventListener("htmx:beforeRequest", () => {
    form.querySelector("[data-export-indicator]").hidden = false;
  });
  document.addEventListener("htmx:afterRequest", () => {
    form.querySelector("[data-export-indicator]").hidden = true;
  });
}
