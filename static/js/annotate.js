// newsreview: the annotation workspace: selection → code-point offsets, shortcut keys, span focus, dialogs.
// Every edit goes through the action queue (queue.js), which sends the server-rendered
// forms' fields and swaps the server's fragments; htmx does the reads (argument picker).
import { enqueue, setVersion, showProblem } from "./queue.js";
import { codePointOffset, domPosition } from "./text.js";

export { codePointOffset, domPosition };

const workspace = () => document.querySelector("[data-annotate]");
const docText = () => document.querySelector("[data-doc-text]");
const isReadOnly = () => workspace()?.hasAttribute("data-readonly");
let lastSpanId = null; // the span the inspector shows, kept while focus visits the palette
let pointerDown = false; // a mouse button is down: focus comes from a click or a drag

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

const message = (name) => workspace()?.dataset[name] || "";

// An annotation's keyboard stop: a saved span by its id, or a pending one (queue.js) by
// its client id ("p3"), which the queue turns into the span's id when it is saved.
function spanMark(id) {
  const attribute = /^p\d+$/.test(id) ? "data-pending" : "data-span-id";
  return docText()?.querySelector(`[${attribute}="${CSS.escape(String(id))}"][tabindex]`);
}

const markLabel = (mark) => mark.dataset.label || mark.dataset.pendingLabel;
const markId = (mark) => mark.dataset.spanId || mark.dataset.pending;

function focusedSpanId() {
  const mark = document.activeElement?.closest?.("[data-doc-text] [data-span-id], [data-doc-text] [data-pending]");
  return mark ? markId(mark) : null;
}

// [start, end) of an annotation's mark: a saved span's data, or a pending span's extent.
function markRange(mark) {
  if (mark.dataset.start) return [Number(mark.dataset.start), Number(mark.dataset.end)];
  const parts = [...docText().querySelectorAll(`[data-pending="${CSS.escape(mark.dataset.pending)}"]`)];
  const range = document.createRange();
  range.setStartBefore(parts[0]);
  range.setEndAfter(parts[parts.length - 1]);
  const start = codePointOffset(docText(), range.startContainer, range.startOffset);
  return [start, start + Array.from(range.toString()).length];
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
  if (relabel) relabel.value = markLabel(mark);
  const what = document.querySelector("[data-inspector-text]");
  if (what) {
    // Label name, then the text isolated in <bdi> as the server renders it: a bare
    // «14 و15 دجنبر» after an English name would be reordered by the bidi algorithm.
    const button = document.querySelector(`.palette [data-label="${CSS.escape(markLabel(mark))}"]`);
    const text = document.createElement("bdi");
    text.lang = docText().closest("[lang]")?.lang || "";
    text.textContent = Array.from(docText().textContent).slice(...markRange(mark)).join("");
    what.replaceChildren(`${button?.querySelector(".label-button__name")?.textContent || markLabel(mark)}: `, text);
  }
  for (const old of docText().querySelectorAll(".is-selected")) old.classList.remove("is-selected");
  const parts = `[data-span-id="${CSS.escape(String(id))}"], [data-pending="${CSS.escape(String(id))}"]`;
  for (const part of docText().querySelectorAll(parts)) {
    part.classList.add("is-selected");
  }
}

function focusSpan(id) {
  const mark = spanMark(id);
  if (mark) mark.focus();
  return Boolean(mark);
}

// Label the selection: offsets and label are fixed now, the span drawn at once as pending,
// and the selection is consumed (the next one is the user's next gesture).
function createSpan(label) {
  const selected = selectionOffsets();
  const form = document.getElementById("span-create-form");
  if (!selected || !form) return false;
  const button = document.querySelector(`.palette [data-label="${CSS.escape(label)}"]`);
  const colour = button?.style.getPropertyValue("--label-color").trim();
  enqueue(form, {
    fields: { start: selected.start, end: selected.end, text: selected.text, label, unit: "codepoint" },
    pending: { start: selected.start, end: selected.end, label, colour },
  });
  getSelection().removeAllRanges();
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
    else selection.collapse(...domPosition(root, id ? markRange(spanMark(id))[1] : 0));
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
  const mark = event.target.closest?.("[data-doc-text] [data-span-id], [data-doc-text] [data-pending]");
  if (!mark) return;
  if (!pointerDown) getSelection().removeAllRanges();
  selectSpan(markId(mark));
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
  const mark = event.target.closest("[data-doc-text] [data-span-id], [data-doc-text] [data-pending]");
  if (mark && getSelection().isCollapsed) focusSpan(markId(mark));
});

// After a swap: keep every form's version in step with the layer (the queue sends its own,
// but plain forms and other tools read these), and open the argument picker when it
// arrives. Focus after an edit is the queue's business (queue.js: settleFocus).
document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (element.id === "layer-version") {
    for (const input of document.querySelectorAll('input[name="version"]')) {
      input.value = element.dataset.layerVersion;
    }
    setVersion(element.dataset.layerVersion);
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
  if (element.matches?.("[data-doc-text]") || element.matches?.(".chunk")) lastSpanId = null;
});

fitCandidates(document.getElementById("argument-role"));
