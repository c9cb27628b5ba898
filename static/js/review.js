// newsreview: the keyboard-first curation page (decide disagreements, edit gold directly).
// htmx sends every form; this file only maps keys to those forms and keeps the current group.

const page = () => document.querySelector("[data-review]");
const docText = () => document.querySelector("[data-doc-text]");
const isRtl = () => page()?.dataset.rtl === "true";
let currentGroup = null;

// Code-point offset of a DOM position in the text (the browser counts UTF-16 code units,
// the server code points: PRODUCT.md Offsets, converted here and nowhere else).
function codePointOffset(root, node, offset) {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

function selectionOffsets() {
  const root = docText();
  const selection = window.getSelection();
  if (!root || !selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
  const start = codePointOffset(root, range.startContainer, range.startOffset);
  const end = codePointOffset(root, range.endContainer, range.endOffset);
  if (end <= start) return null;
  return { start, end, text: Array.from(root.textContent).slice(start, end).join("") };
}

const groups = () => [...document.querySelectorAll("[data-group-id]")];

function setCurrent(el, focus = true) {
  groups().forEach((g) => {
    g.classList.toggle("is-current", g === el);
    if (g === el) g.setAttribute("aria-current", "true");
    else g.removeAttribute("aria-current");
  });
  document.querySelectorAll(".candidate.is-current").forEach((m) => m.classList.remove("is-current"));
  currentGroup = el ? el.dataset.groupId : null;
  document.querySelectorAll("[data-current-field]").forEach((f) => { f.value = currentGroup || ""; });
  if (!el) return;
  const marks = document.querySelectorAll(`[data-group="${CSS.escape(currentGroup)}"]`);
  marks.forEach((m) => m.classList.add("is-current"));
  if (marks[0]) marks[0].scrollIntoView({ block: "center", behavior: "instant" });
  if (focus) {
    const first = el.querySelector("[data-candidate-button]:not(:disabled)") || el;
    first.focus({ preventScroll: true });
  }
}

// Next (+1) or previous (-1) undecided group, wrapping; with none left, the Approve button.
function move(step) {
  const all = groups();
  const index = all.findIndex((g) => g.dataset.groupId === currentGroup);
  const from = index === -1 ? (step > 0 ? -1 : 0) : index;
  for (let i = 1; i <= all.length; i++) {
    const g = all[(((from + step * i) % all.length) + all.length) % all.length];
    if (g.dataset.state === "open") return setCurrent(g);
  }
  setCurrent(null);
  document.querySelector("[data-action=approve] button")?.focus();
}

function currentEl() {
  return groups().find((g) => g.dataset.groupId === currentGroup) || null;
}

function chooseCandidate(step) {
  const el = currentEl();
  if (!el) return false;
  const buttons = [...el.querySelectorAll("[data-candidate-button]:not(:disabled)")];
  if (!buttons.length) return false;
  const at = buttons.indexOf(document.activeElement);
  const next = at === -1 ? 0 : Math.min(Math.max(at + step, 0), buttons.length - 1);
  buttons[next].focus();
  return true;
}

function accept() {
  const el = currentEl();
  if (!el) return;
  const focused = el.contains(document.activeElement) && document.activeElement.matches("[data-candidate-button]")
    ? document.activeElement
    : el.querySelector("[data-candidate-button]:not(:disabled)");
  // A click, not requestSubmit: the button names the candidate (name/value, `form`
  // attribute) and htmx takes the submitter from the click.
  press(focused);
}

// Submit the page's accept or reject form for `button` (a `form`-attribute button).
function press(button) {
  if (!button) return;
  const chosen = button.form?.querySelector("[data-chosen]");
  if (chosen) chosen.value = button.value;
  button.click();
}

function submitForm(selector) {
  const form = document.querySelector(selector);
  if (form) form.requestSubmit();
}

function focusedGoldSpan() {
  const el = document.activeElement;
  return el && el.matches?.("[data-doc-text] [data-span-id]") ? el : null;
}

function goldUpdate(spanId, fields) {
  const form = document.getElementById("gold-update-form");
  form.elements.span.value = spanId;
  form.elements.label.value = fields.label || "";
  form.elements.edge.value = fields.edge || "";
  form.requestSubmit();
}

function labelFor(event) {
  return document.querySelector(`.review-labels [data-code="${CSS.escape(event.code)}"]`)?.dataset.label;
}

function applyLabel(label) {
  const span = focusedGoldSpan();
  if (span) return goldUpdate(span.dataset.spanId, { label });
  const offsets = selectionOffsets();
  if (!offsets) return;
  const form = document.getElementById("gold-create-form");
  form.elements.start.value = offsets.start;
  form.elements.end.value = offsets.end;
  form.elements.text.value = offsets.text;
  form.elements.label.value = label;
  form.requestSubmit();
}

document.addEventListener("keydown", (event) => {
  if (!page()) return;
  const target = event.target;
  if (event.isComposing || event.defaultPrevented) return;
  if (target.closest?.("input, textarea, select, [contenteditable]")) return;
  const help = document.getElementById("review-help");
  if (help?.open) return;
  const span = focusedGoldSpan();
  if (event.altKey && (event.key === "ArrowLeft" || event.key === "ArrowRight") && span) {
    // The arrow shows the direction on screen: in right-to-left text, left is forward.
    const forward = (event.key === "ArrowLeft") === isRtl();
    const edge = `${event.shiftKey ? "end" : "start"}${forward ? "+" : "-"}`;
    event.preventDefault();
    return goldUpdate(span.dataset.spanId, { edge });
  }
  if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.code === "KeyZ" || event.code === "KeyY")) {
    // As in the workspace: Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo.
    event.preventDefault();
    return submitForm(event.code === "KeyY" || event.shiftKey ? "[data-action=redo]" : "[data-action=undo]");
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (span && (event.key === "Delete" || event.key === "Backspace" || event.code === "KeyX")) {
    event.preventDefault();
    const form = document.getElementById("gold-delete-form");
    form.elements.span.value = span.dataset.spanId;
    return form.requestSubmit();
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (currentEl()?.contains(target) && chooseCandidate(event.key === "ArrowDown" ? 1 : -1)) {
      event.preventDefault();
    }
    return;
  }
  if (event.key === "?" || event.key === "؟") {
    event.preventDefault();
    return help?.showModal();
  }
  // Physical keys (KeyboardEvent.code), as in the workspace: an Arabic layout works too.
  const actions = {
    KeyK: () => move(1),
    KeyI: () => move(-1),
    KeyA: accept,
    KeyR: () => press(currentEl()?.querySelector("[data-reject]:not(:disabled)")),
    KeyU: () => submitForm("[data-action=undo]"),
    KeyS: () => submitForm("[data-action=approve]"),
    KeyH: () => help?.showModal(),
  };
  // Shift+U redoes ("u" is a reserved key, FORMATS.md §10: no label can take it).
  if (event.code === "KeyU" && event.shiftKey) {
    event.preventDefault();
    return submitForm("[data-action=redo]");
  }
  if (actions[event.code] && !event.shiftKey) {
    event.preventDefault();
    return actions[event.code]();
  }
  const label = labelFor(event);
  if (label) {
    event.preventDefault();
    applyLabel(label);
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-open-help]")) document.getElementById("review-help")?.showModal();
  const button = event.target.closest(".review-labels [data-label]");
  if (button) applyLabel(button.dataset.label);
  const group = event.target.closest("[data-group-id]");
  if (group && !event.target.closest("button, a, input, textarea, select")) setCurrent(group, false);
  const mark = event.target.closest("[data-doc-text] [data-group]");
  if (mark && mark.dataset.group) {
    const el = groups().find((g) => g.dataset.groupId === mark.dataset.group);
    if (el) setCurrent(el);
  }
});

// After every answer (the whole #review, or only the chunks and groups around a
// decision, out of band): the forms take the new version, the counter is recounted, and
// the current group stays, or the next undecided one becomes current when it has just
// been decided (one key per decision).
function refresh() {
  const version = document.getElementById("review-version")?.dataset.version;
  if (version !== undefined) {
    document.querySelectorAll("#review input[name=version]").forEach((i) => { i.value = version; });
  }
  const counter = document.querySelector("[data-counter]");
  if (counter) {
    const all = groups();
    const decided = all.filter((g) => g.dataset.state !== "open").length;
    counter.dataset.decided = decided;
    counter.dataset.total = all.length;
    counter.textContent = counter.dataset.pattern
      .replace("{decided}", decided)
      .replace("{total}", all.length);
  }
  if (!currentGroup) return;
  const el = currentEl();
  if (el && el.dataset.state === "open") setCurrent(el);
  else if (el) move(1);
  else setCurrent(null);
}

document.addEventListener("htmx:afterSwap", () => {
  if (page()) refresh();
});

function init() {
  const region = document.getElementById("review");
  const wanted = region?.dataset.current;
  if (wanted) {
    const el = groups().find((g) => g.dataset.groupId === wanted);
    if (el) setCurrent(el, false);
  }
}
init();

// Gold events as frames (issue 12, templates/review/_gold_frames.html): hovering or
// focusing a frame, or focusing its trigger in the text, outlines the trigger and its
// arguments with the workspace's classes (the role as a badge: not colour alone); a
// frame's links focus that gold annotation in the text instead of reloading the page.
const frameFor = (id) => id && document.querySelector(`#review-frames [data-frame-for="${CSS.escape(String(id))}"]`);

function highlightEvent(frame) {
  const root = docText();
  if (!root) return;
  for (const old of root.querySelectorAll(".hl-trigger, .hl-arg")) {
    old.classList.remove("hl-trigger", "hl-arg");
    delete old.dataset.hlRole;
  }
  if (!frame) return;
  const parts = (id) => root.querySelectorAll(`[data-span-id="${CSS.escape(String(id))}"]`);
  parts(frame.dataset.frameFor).forEach((part) => part.classList.add("hl-trigger"));
  for (const pair of (frame.dataset.eventArgs || "").split(" ").filter(Boolean)) {
    const [spanId, role] = pair.split(":");
    parts(spanId).forEach((part, index) => {
      part.classList.add("hl-arg");
      if (index === 0) part.dataset.hlRole = part.dataset.hlRole ? `${part.dataset.hlRole} + ${role}` : role;
    });
  }
}

function frameAt(element) {
  const frame = element?.closest?.("#review-frames [data-frame-for]");
  if (frame) return frame;
  const mark = element?.closest?.("[data-doc-text] [data-span-id]");
  return mark ? frameFor(mark.dataset.spanId) : null;
}

// The events a focused gold entity takes part in (each a link to its frame).
function showRoles(element) {
  const mark = element?.closest?.("[data-doc-text] [data-span-id]");
  for (const section of document.querySelectorAll("#review-frames [data-roles-for]")) {
    section.hidden = !mark || section.dataset.rolesFor !== mark.dataset.spanId;
  }
}

document.addEventListener("focusin", (event) => {
  if (!page()) return;
  if (event.target.closest("[data-doc-text]")) showRoles(event.target);
  highlightEvent(frameAt(event.target));
});
document.addEventListener("mouseover", (event) => {
  const frame = page() && frameAt(event.target);
  if (frame) highlightEvent(frame);
});
document.addEventListener("mouseout", (event) => {
  if (page() && frameAt(event.target) && !frameAt(event.relatedTarget)) highlightEvent(frameAt(document.activeElement));
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("#review-frames [data-focus-span]");
  if (!link) return;
  const mark = docText()?.querySelector(`[data-span-id="${CSS.escape(link.dataset.focusSpan)}"][tabindex]`);
  if (!mark) return;
  event.preventDefault();
  const frame = frameFor(link.dataset.focusSpan) || link.closest("[data-frame-for]");
  mark.focus();
  mark.scrollIntoView({ block: "center" });
  highlightEvent(frame);
});
