// newsreview: the annotation workspace: selection → code-point offsets, shortcut keys, span focus, dialogs.
// htmx does every request: this file only fills the server-rendered forms and submits them.

const workspace = () => document.querySelector("[data-annotate]");
const docText = () => document.querySelector("[data-doc-text]");
const isReadOnly = () => workspace()?.hasAttribute("data-readonly");
let lastSpanId = null; // the span the inspector shows, kept while focus visits the palette
let pointerDown = false; // a mouse button is down: focus comes from a click or a drag

// Code-point offset of a DOM position inside the document text element (STYLE.md §5:
// the browser counts UTF-16 units, the server code points; convert here and nowhere else).
export function codePointOffset(root, node, offset) {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

// The DOM position of code-point offset `cp` inside `root` (the inverse of codePointOffset).
export function domPosition(root, cp) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let remaining = cp;
  let node = walker.nextNode();
  let last = null;
  while (node) {
    const chars = Array.from(node.data);
    if (remaining <= chars.length) return [node, chars.slice(0, remaining).join("").length];
    remaining -= chars.length;
    last = node;
    node = walker.nextNode();
  }
  return last ? [last, last.data.length] : [root, 0];
}

// The selection as {start, end, text} in code points, clipped to the text: a triple-click
// on the last paragraph ends in the side panel, and what counts is what is highlighted in
// the text. Null if it is empty or misses the text.
export function selectionOffsets() {
  const root = docText();
  const selection = getSelection();
  if (!root || !selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0).cloneRange();
  if (!range.intersectsNode(root)) return null;
  const whole = document.createRange();
  whole.selectNodeContents(root);
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) range.setStart(root, 0);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) range.setEnd(root, root.childNodes.length);
  const chars = Array.from(root.textContent);
  const start = codePointOffset(root, range.startContainer, range.startOffset);
  const end = codePointOffset(root, range.endContainer, range.endOffset);
  if (end <= start) return null;
  return { start, end, text: chars.slice(start, end).join("") };
}

function showProblem(message) {
  const region = document.getElementById("problems");
  if (!region) return;
  const p = document.createElement("p");
  p.className = "problem";
  p.textContent = message;
  region.replaceChildren(p);
}

const message = (name) => workspace()?.dataset[name] || "";

function spanMark(id) {
  return docText()?.querySelector(`[data-span-id="${CSS.escape(String(id))}"][tabindex]`);
}

function focusedSpanId() {
  const mark = document.activeElement?.closest?.("[data-doc-text] [data-span-id]");
  return mark ? mark.dataset.spanId : null;
}

// Show `id` in the inspector and point its forms at it.
function selectSpan(id) {
  const mark = spanMark(id);
  if (!mark) return;
  lastSpanId = id;
  for (const field of document.querySelectorAll("[data-span-field]")) field.value = id;
  for (const button of document.querySelectorAll("[data-relabel-submit], [data-edge], [data-delete]")) {
    button.disabled = false;
  }
  const relabel = document.querySelector("[data-relabel]");
  if (relabel) relabel.value = mark.dataset.label;
  const what = document.querySelector("[data-inspector-text]");
  if (what) {
    // Label name, then the text isolated in <bdi> as the server renders it: a bare
    // «14 و15 دجنبر» after an English name would be reordered by the bidi algorithm.
    const button = document.querySelector(`.palette [data-label="${CSS.escape(mark.dataset.label)}"]`);
    const text = document.createElement("bdi");
    text.lang = docText().closest("[lang]")?.lang || "";
    text.textContent = Array.from(docText().textContent).slice(Number(mark.dataset.start), Number(mark.dataset.end)).join("");
    what.replaceChildren(`${button?.querySelector(".label-button__name")?.textContent || mark.dataset.label}: `, text);
  }
  for (const old of docText().querySelectorAll(".is-selected")) old.classList.remove("is-selected");
  for (const part of docText().querySelectorAll(`[data-span-id="${CSS.escape(String(id))}"]`)) {
    part.classList.add("is-selected");
  }
}

function focusSpan(id) {
  const mark = spanMark(id);
  if (mark) mark.focus();
  return Boolean(mark);
}

function createSpan(label) {
  const selected = selectionOffsets();
  const form = document.getElementById("span-create-form");
  if (!selected || !form) return false;
  form.elements.start.value = selected.start;
  form.elements.end.value = selected.end;
  form.elements.text.value = selected.text;
  form.elements.label.value = label;
  form.requestSubmit();
  return true;
}

// The focused annotation; or the one the inspector shows while focus is on a palette or
// inspector button. Never a span focus has left for the text: a key must not relabel
// an annotation the user no longer sees as focused.
function currentSpanId() {
  const nearby = document.activeElement?.closest?.(".palette, .inspector");
  return focusedSpanId() || (nearby && spanMark(lastSpanId) ? lastSpanId : null);
}

function applyLabel(label) {
  if (isReadOnly()) return;
  if (createSpan(label)) return;
  const id = currentSpanId();
  if (!id) {
    showProblem(message("msgSelectFirst"));
    return;
  }
  selectSpan(id);
  document.querySelector("[data-relabel]").value = label;
  document.querySelector("[data-relabel-submit]").click();
}

function clickIn(selector) {
  const element = document.querySelector(selector);
  if (element && !element.disabled) element.click();
}

function spanAction(selector) {
  const id = currentSpanId();
  if (!id || isReadOnly()) return;
  selectSpan(id);
  clickIn(selector);
}

// Next (+1) or previous (-1) span in text order, from the focused span or the caret.
function moveSpan(step) {
  const root = docText();
  const marks = [...root.querySelectorAll("[data-span-id][tabindex]")];
  if (!marks.length) return;
  let index = marks.indexOf(document.activeElement);
  if (index === -1) {
    const selection = getSelection();
    const caret = selection.rangeCount && root.contains(selection.focusNode)
      ? codePointOffset(root, selection.focusNode, selection.focusOffset) : 0;
    index = marks.findIndex((m) => Number(m.dataset.start) >= caret);
    if (index === -1) index = marks.length;
    index = step > 0 ? index - 1 : index;
  }
  marks[Math.max(0, Math.min(marks.length - 1, index + step))].focus();
}

const CARET_KEYS = {
  ArrowLeft: "character",
  ArrowRight: "character",
  ArrowUp: "line",
  ArrowDown: "line",
  Home: "lineboundary",
  End: "lineboundary",
};

// Where the reader is: the first character at the top of the visible part of the text
// (its start edge), so keyboard selection does not begin at a headline scrolled away.
function firstVisiblePosition(root, rtl) {
  const box = root.getBoundingClientRect();
  const x = rtl ? box.right - 2 : box.left + 2;
  // Step down past anything pinned over the top of the page (the layer bar).
  for (let y = Math.max(box.top, 0) + 8; y < Math.min(box.bottom, innerHeight); y += 12) {
    const range = document.caretRangeFromPoint?.(x, y);
    if (range && root.contains(range.startContainer)) return range;
  }
  return null;
}

// Arrows, Home, End: with Alt, ←/→ move an edge of the focused span; otherwise move the
// caret or (with Shift) extend the selection. Chromium has no caret in non-editable text,
// so Selection.modify does it.
function handleArrow(event) {
  const root = docText();
  const code = event.code;
  const sideways = code === "ArrowLeft" || code === "ArrowRight";
  if (!root.contains(document.activeElement) || (event.altKey && !sideways)) return;
  // Up/Down/Home/End without Shift keep scrolling the page (the caret in this text is
  // invisible, so moving it would look like the keys do nothing); so do Ctrl+Home/End.
  if (!sideways && (event.ctrlKey || !event.shiftKey)) return;
  const rtl = getComputedStyle(root).direction === "rtl";
  // In reading order: ← reads forward in right-to-left text; ↓ and End always do.
  const forward = sideways ? (code === "ArrowLeft") === rtl : code === "ArrowDown" || code === "End";
  if (event.altKey) {
    const id = focusedSpanId();
    event.preventDefault(); // in the text Alt+← moves an edge; it must never go back in history
    if (!id || isReadOnly()) return;
    const edge = event.shiftKey ? (forward ? "end+" : "end-") : (forward ? "start+" : "start-");
    selectSpan(id);
    clickIn(`[data-edge="${edge}"]`);
    return;
  }
  const selection = getSelection();
  if (!selection.rangeCount || !root.contains(selection.focusNode)) {
    const id = focusedSpanId();
    const visible = id ? null : firstVisiblePosition(root, rtl);
    if (visible) selection.collapse(visible.startContainer, visible.startOffset);
    else selection.collapse(...domPosition(root, id ? Number(spanMark(id).dataset.end) : 0));
  }
  event.preventDefault();
  const granularity = event.ctrlKey ? "word" : CARET_KEYS[code];
  selection.modify(event.shiftKey ? "extend" : "move", forward ? "forward" : "backward", granularity);
}

// The argument picker offers only the entities the chosen role accepts (the server
// refuses the others anyway); the first one that fits is preselected.
function fitCandidates(roleSelect) {
  const spanSelect = document.getElementById("argument-span");
  if (!roleSelect || !spanSelect) return;
  const allowed = (roleSelect.selectedOptions[0]?.dataset.allowed || "").split(" ").filter(Boolean);
  for (const option of spanSelect.options) {
    option.hidden = option.disabled = allowed.length > 0 && !allowed.includes(option.dataset.label);
  }
  if (spanSelect.selectedOptions[0]?.disabled) {
    const first = [...spanSelect.options].find((option) => !option.disabled);
    spanSelect.value = first ? first.value : "";
  }
}

document.addEventListener("change", (event) => {
  if (event.target.id === "argument-role") fitCandidates(event.target);
});

// Closing the argument picker returns focus to its trigger (the swap replaced the span
// that had it), so k/i and the label keys go on from there.
document.addEventListener(
  "close",
  (event) => {
    const trigger = event.target.querySelector?.('input[name="trigger"]');
    if (event.target.id === "argument-dialog" && trigger) focusSpan(trigger.value);
  },
  true,
);

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (dialog && !dialog.open) dialog.showModal();
}

function submitLayerAction(name, value) {
  if (isReadOnly()) return;
  const form = document.querySelector(`[data-action="${name}"]`);
  if (!form) return;
  const button = value ? form.querySelector(`button[value="${value}"]`) : form.querySelector("button");
  if (button) button.click();
}

document.addEventListener("keydown", (event) => {
  pointerDown = false; // a mouseup outside the window is never seen
  if (!docText() || event.defaultPrevented || event.isComposing) return;
  if (event.target.closest("input, select, textarea, dialog")) return;
  const code = event.code;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && !event.altKey && (code === "KeyZ" || code === "KeyY")) {
    event.preventDefault();
    submitLayerAction(code === "KeyY" || event.shiftKey ? "redo" : "undo");
    return;
  }
  if (CARET_KEYS[code]) {
    handleArrow(event);
    return;
  }
  if (ctrl || event.altKey) return;
  if (code === "KeyH" || event.key === "?" || event.key === "؟") {
    event.preventDefault();
    openDialog("help-dialog");
    return;
  }
  const actions = {
    Escape: () => getSelection().removeAllRanges(),
    KeyK: () => moveSpan(+1),
    KeyI: () => moveSpan(-1),
    KeyU: () => submitLayerAction(event.shiftKey ? "redo" : "undo"),
    KeyS: () => submitLayerAction("status", "done"),
    KeyX: () => spanAction("[data-delete]"),
    KeyB: () => {
      const id = currentSpanId();
      if (id) clickIn(`[data-picker-for="${CSS.escape(id)}"]`);
    },
  };
  if (focusedSpanId()) {
    actions.Delete = actions.KeyX;
    actions.Backspace = actions.KeyX;
  }
  if (actions[code]) {
    event.preventDefault();
    actions[code]();
    return;
  }
  const button = document.querySelector(`.palette [data-code="${CSS.escape(code)}"]`);
  if (button && !button.disabled) {
    event.preventDefault();
    applyLabel(button.dataset.label);
  }
});

// Focus that arrives by keyboard (Tab, k/i, the side list, after a swap) clears the text
// selection, so the next label key relabels the focused annotation, as the focus ring and
// inspector promise. Focus from a mouse press keeps it: a drag may start on a span.
document.addEventListener("focusin", (event) => {
  const mark = event.target.closest?.("[data-doc-text] [data-span-id]");
  if (!mark) return;
  if (!pointerDown) getSelection().removeAllRanges();
  selectSpan(mark.dataset.spanId);
});

// Palette buttons keep focus and selection where they are, so a click labels the selection.
document.addEventListener("mousedown", (event) => {
  pointerDown = true;
  if (event.target.closest(".palette [data-label]")) event.preventDefault();
});
document.addEventListener("mouseup", () => {
  pointerDown = false;
});

document.addEventListener("click", (event) => {
  const button = event.target.closest(".palette [data-label]");
  if (button) {
    applyLabel(button.dataset.label);
    return;
  }
  const link = event.target.closest("[data-focus-span]");
  if (link && focusSpan(link.dataset.focusSpan)) {
    event.preventDefault();
    return;
  }
  if (event.target.closest("[data-open-help]")) {
    openDialog("help-dialog");
    return;
  }
  // A click on any part of a span (nested, or a later fragment) focuses that span.
  const mark = event.target.closest("[data-doc-text] [data-span-id]");
  if (mark && getSelection().isCollapsed) focusSpan(mark.dataset.spanId);
});

// After a swap: keep every form's version in step with the layer (a span creation sends
// back only the touched text chunks), focus the span the server selected (the new or
// changed one) else the text, and open the argument picker when it arrives.
document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (element.id === "layer-version") {
    for (const input of document.querySelectorAll('input[name="version"]')) {
      input.value = element.dataset.layerVersion;
    }
    return;
  }
  if (element.matches?.("[data-open-dialog]")) {
    openDialog(element.dataset.openDialog);
    fitCandidates(element.querySelector("#argument-role"));
    // After htmx has settled (it would put focus back on the replaced button: the body),
    // so Escape and Tab work in the picker at once.
    setTimeout(() => element.querySelector("select")?.focus());
    return;
  }
  const isText = element.matches?.("[data-doc-text]");
  if (!(isText || element.matches?.(".chunk[data-selected]")) || document.querySelector("dialog[open]")) return;
  lastSpanId = null;
  const id = element.dataset.selected;
  if (!(id && focusSpan(id)) && isText) element.focus({ preventScroll: true });
});

fitCandidates(document.getElementById("argument-role"));
