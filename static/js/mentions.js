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

// --- gazetteer suggestions: dashed outlines over the text, a / r / Shift+A / Shift+R ------
// The outlines are boxes in a layer beside [data-doc-text], never nodes inside it
// (PRODUCT.md: its textContent is the document text), placed from Range client rects.

// The DOM position of code-point offset `cp` inside `root` (browser offsets are UTF-16).
function domPosition(root, cp) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let remaining = cp;
  let last = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const chars = Array.from(node.data);
    if (remaining <= chars.length) return [node, chars.slice(0, remaining).join("").length];
    remaining -= chars.length;
    last = node;
  }
  return last ? [last, last.data.length] : [root, 0];
}

const suggestionItems = () => [...document.querySelectorAll("#suggestions [data-suggestion]")];

function currentSuggestion() {
  const focused = document.activeElement?.closest?.("[data-suggestion]");
  return focused || document.querySelector("#suggestions [data-suggestion].is-current") || suggestionItems()[0] || null;
}

function drawSuggestions() {
  const root = document.querySelector("[data-doc-text]");
  const host = root?.parentElement;
  if (!root || !host) return;
  let layer = host.querySelector(":scope > .suggestion-layer");
  if (!layer) {
    layer = document.createElement("div");
    layer.className = "suggestion-layer";
    layer.setAttribute("aria-hidden", "true");
    host.append(layer);
  }
  const origin = host.getBoundingClientRect();
  const current = currentSuggestion();
  const boxes = [];
  for (const item of suggestionItems()) {
    const range = document.createRange();
    range.setStart(...domPosition(root, Number(item.dataset.start)));
    range.setEnd(...domPosition(root, Number(item.dataset.end)));
    for (const rect of range.getClientRects()) {
      const box = document.createElement("div");
      box.className = item === current ? "suggestion-box is-current" : "suggestion-box";
      box.dataset.suggestionBox = `${item.dataset.start}:${item.dataset.end}`;
      box.style.setProperty("--label-color", item.style.getPropertyValue("--label-color"));
      box.style.left = `${rect.left - origin.left + host.scrollLeft}px`;
      box.style.top = `${rect.top - origin.top + host.scrollTop}px`;
      box.style.width = `${rect.width}px`;
      box.style.height = `${rect.height}px`;
      boxes.push(box);
    }
  }
  layer.replaceChildren(...boxes);
}

function markCurrent(item) {
  for (const other of suggestionItems()) other.classList.toggle("is-current", other === item);
  drawSuggestions();
}

document.addEventListener("focusin", (event) => {
  const item = event.target.closest?.("[data-suggestion]");
  if (item) markCurrent(item);
});

// The workspace's layer version changed (a span added, deleted, undone …): the
// suggestions panel reloads itself (hx-trigger="nr-layer-changed from:body").
document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (element.id === "layer-version") document.body.dispatchEvent(new Event("nr-layer-changed"));
});
document.addEventListener("htmx:afterSettle", drawSuggestions);
window.addEventListener("resize", drawSuggestions);

function suggestionKey(event) {
  const code = event.code;
  if (code !== "KeyA" && code !== "KeyR") return false;
  if (!suggestionItems().length || isReadOnly()) return false;
  if (event.shiftKey) {
    const all = document.querySelector(code === "KeyA" ? "[data-suggestions-accept-all]" : "[data-suggestions-reject-all]");
    all?.click();
    return Boolean(all);
  }
  const item = currentSuggestion();
  const button = item?.querySelector(code === "KeyA" ? "[data-suggestion-accept]" : "[data-suggestion-reject]");
  button?.click();
  return Boolean(button);
}

document.addEventListener("keydown", (event) => {
  if (!document.querySelector("[data-doc-text]") || event.defaultPrevented || event.isComposing) return;
  if (event.target.closest("input, select, textarea, dialog")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (suggestionKey(event)) event.preventDefault();
});

// A project-wide search runs as a background job: its progress fragment polls (htmx) and
// is replaced by the preview when done; keep focus in the dialog on the preview's button.
document.addEventListener("htmx:afterSwap", (event) => {
  const box = dialog();
  if (!box?.open || event.detail.target?.id !== "mentions-body") return;
  const body = document.getElementById("mentions-body");
  if (body && !body.hasAttribute("data-mentions-job")) body.querySelector("[data-mentions-submit]")?.focus();
});
