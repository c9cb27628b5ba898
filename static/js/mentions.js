// newsreview: label all mentions (issue 13): open the server-rendered preview of a span's other mentions, check all/none, close after labelling.
// htmx does the requests; this file only picks the span, opens the dialog and keeps focus sensible.

const dialog = () => document.getElementById("mentions-dialog");
const isReadOnly = () => document.querySelector("[data-annotate]")?.hasAttribute("data-readonly");
let openedFor = null; // the span whose mentions the dialog shows

// The focused annotation in the text, else the one the inspector shows.
function currentSpanId() {
  const mark = document.activeElement?.closest?.("[data-doc-text] [data-span-id]");
  if (mark) return mark.dataset.spanId;
  return document.querySelector("#span-update-form [data-span-field]")?.value || null;
}

function showProblem(text) {
  const region = document.getElementById("problems");
  if (!region) return;
  const p = document.createElement("p");
  p.className = "problem";
  p.textContent = text;
  region.replaceChildren(p);
}

function openMentions() {
  const link = document.querySelector("[data-mentions-open]");
  const id = currentSpanId();
  if (!link || isReadOnly()) return;
  if (!id) {
    showProblem(document.querySelector("[data-annotate]")?.dataset.msgSelectFirst || "");
    return;
  }
  openedFor = id;
  const url = `${link.dataset.mentionsUrl}?span=${encodeURIComponent(id)}`;
  window.htmx.ajax("GET", url, { target: "#mentions-body", swap: "outerHTML" }).then(() => {
    const box = dialog();
    if (box && !box.open) box.showModal();
    box?.querySelector("[data-mentions-submit], [data-mentions-project]")?.focus();
  });
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-mentions-open]")) {
    event.preventDefault();
    openMentions();
  }
});

document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-mentions-all]");
  if (all) {
    for (const box of document.querySelectorAll("[data-mention]")) box.checked = all.checked;
  }
});

// Close the dialog before a successful answer is swapped in, so the workspace focuses the
// span it selected (annotate.js leaves focus alone while a dialog is open).
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.requestConfig?.elt?.closest?.("[data-mentions-form]");
  if (form && event.detail.xhr.status === 200 && dialog()?.open) dialog().close();
});

document.addEventListener(
  "close",
  (event) => {
    if (event.target.id !== "mentions-dialog" || !openedFor) return;
    const mark = document.querySelector(`[data-doc-text] [data-span-id="${CSS.escape(openedFor)}"][tabindex]`);
    mark?.focus();
  },
  true,
);

// "=" (the physical key, as every shortcut: FORMATS.md §10) opens the preview for the
// focused annotation. Same guards as the workspace's own keys.
document.addEventListener("keydown", (event) => {
  if (!document.querySelector("[data-doc-text]") || event.defaultPrevented || event.isComposing) return;
  if (event.target.closest("input, select, textarea, dialog")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.code === "Equal" && !event.shiftKey) {
    event.preventDefault();
    openMentions();
  }
});
