// newsreview: event frames (issue 12): show the focused event's frame, fill a role by
// clicking an entity or by keyboard, highlight an event's trigger and arguments, and ask
// before submitting with incomplete events or deleting an event with arguments.
// The frames themselves are server-rendered (templates/annotations/_frames.html); every
// write goes through the action queue (queue.js) like any workspace edit.
import { enqueue } from "./queue.js";

const docText = () => document.querySelector("[data-doc-text]");
const esc = (value) => CSS.escape(String(value));
const markOf = (element) => element?.closest?.("[data-doc-text] [data-span-id], [data-doc-text] [data-pending]");
const idOf = (mark) => mark.dataset.spanId || mark.dataset.pending;
let shown = null; // the span whose frame or event list the panel shows
let filling = null; // {trigger, role, allowed, button} while a role waits for its entity
let loading = Promise.resolve(); // the last frame fetched (see load)

// Show the frame of trigger `id`, or the events entity `id` takes part in; hide the others.
function show(id) {
  const frames = document.querySelector("[data-frames]");
  if (!frames) return;
  shown = id;
  // Read-only pages list every frame; only the entity's own event list follows focus.
  const sections = frames.hasAttribute("data-show-all") ? "[data-roles-for]" : "[data-frame-for], [data-roles-for]";
  for (const section of frames.querySelectorAll(sections)) {
    const own = section.dataset.frameFor || section.dataset.rolesFor;
    section.hidden = own !== String(id);
    if (!section.hidden && section.hasAttribute("data-lazy")) load(section, own);
  }
}

// The workspace renders only the focused event's frame; the others come when asked for
// (a read, like the argument picker: no queue).
function load(section, id) {
  section.removeAttribute("data-lazy");
  const url = new URL(location.href);
  for (const name of ["span", "picker", "role"]) url.searchParams.delete(name);
  url.searchParams.set("frame", id);
  loading = htmx.ajax("GET", url.pathname + url.search, { target: section, swap: "outerHTML" }).then(() => {
    if (String(shown) === String(id)) show(id);
    highlight(eventIdAt(document.activeElement));
  });
}

// Into the frame of trigger `id`, at its first empty role (else its first control), once
// it is there.
async function enterFrame(id) {
  show(id);
  await loading;
  const frame = frameOf(id);
  if (!frame || frame.hidden) return;
  const target = frame.querySelector(".slot--missing [data-fill-slot], .slot--empty [data-fill-slot]") || frame.querySelector("button, a[href], select, input");
  target?.focus();
}

function frameOf(id) {
  return document.querySelector(`[data-frame-for="${esc(id)}"]`);
}

// Outline the trigger and the arguments of the event `id`; each argument also gets a
// badge with its role (CSS, outside the text content), so nothing relies on colour alone.
function highlight(id) {
  const root = docText();
  if (!root) return;
  for (const old of root.querySelectorAll(".hl-trigger, .hl-arg")) {
    old.classList.remove("hl-trigger", "hl-arg");
    delete old.dataset.hlRole;
  }
  const frame = id && frameOf(id);
  if (!frame) return;
  for (const part of root.querySelectorAll(`[data-span-id="${esc(id)}"]`)) part.classList.add("hl-trigger");
  for (const pair of frame.dataset.eventArgs.split(" ").filter(Boolean)) {
    const [spanId, role] = pair.split(":");
    root.querySelectorAll(`[data-span-id="${esc(spanId)}"]`).forEach((part, index) => {
      part.classList.add("hl-arg");
      if (index === 0) part.dataset.hlRole = part.dataset.hlRole ? `${part.dataset.hlRole} + ${role}` : role;
    });
  }
}

// The event an element stands for: a trigger mark, a frame, a side-list row, a link.
function eventIdAt(element) {
  const mark = markOf(element);
  if (mark && frameOf(idOf(mark))) return idOf(mark);
  const holder = element?.closest?.("[data-frame-for], [data-event-link], [data-item-for]");
  const id = holder && (holder.dataset.frameFor || holder.dataset.eventLink || holder.dataset.itemFor);
  return id && frameOf(id) ? id : null;
}

function hint(text) {
  const element = document.getElementById("fill-hint");
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

function startFilling(button) {
  const allowed = button.dataset.allowed.split(" ").filter(Boolean);
  filling = { trigger: button.dataset.trigger, role: button.dataset.fillSlot, allowed, button };
  document.querySelector("[data-annotate]")?.setAttribute("data-filling", filling.role);
  const h = document.getElementById("fill-hint");
  hint(
    (h?.dataset.msgFill || "")
      .replace("{role}", button.dataset.roleName)
      .replace("{event}", button.dataset.eventName)
      .replace("{allowed}", allowed.join(", ") || h?.dataset.msgAny || ""),
  );
  // Keyboard users start at the nearest entity the role accepts (the event's arguments
  // are almost always in its sentence); k / i go on from there.
  const trigger = docText().querySelector(`[data-span-id="${esc(filling.trigger)}"][tabindex]`);
  const at = Number(trigger?.dataset.start || 0);
  const candidates = [...docText().querySelectorAll('[data-kind="entity"][data-span-id][tabindex]')]
    .filter((m) => !allowed.length || allowed.includes(m.dataset.label))
    .sort((a, b) => Math.abs(a.dataset.start - at) - Math.abs(b.dataset.start - at));
  candidates[0]?.focus();
}

function stopFilling({ refocus = false } = {}) {
  const button = filling?.button;
  filling = null;
  document.querySelector("[data-annotate]")?.removeAttribute("data-filling");
  hint("");
  if (refocus && button && document.body.contains(button)) button.focus();
}

function fill(mark) {
  const form = document.getElementById("argument-fill-form");
  if (!filling || !form || mark.dataset.kind === "trigger") return false;
  enqueue(form, { fields: { trigger: filling.trigger, role: filling.role, span: idOf(mark), frame: "1" } });
  const trigger = filling.trigger;
  stopFilling();
  show(trigger);
  return true;
}

document.addEventListener("focusin", (event) => {
  const mark = markOf(event.target);
  if (mark && !filling) show(idOf(mark));
  highlight(eventIdAt(event.target));
});

document.addEventListener("mouseover", (event) => {
  const id = eventIdAt(event.target);
  if (id) highlight(id);
});

document.addEventListener("mouseout", (event) => {
  if (eventIdAt(event.target) && !eventIdAt(event.relatedTarget)) highlight(eventIdAt(document.activeElement));
});

// Capture: a click that fills a role must not also focus the entity (annotate.js).
document.addEventListener(
  "click",
  (event) => {
    const fillButton = event.target.closest("[data-fill-slot]");
    if (fillButton) {
      startFilling(fillButton);
      return;
    }
    const mark = markOf(event.target);
    if (filling && mark && getSelection().isCollapsed && fill(mark)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    const confirmable = event.target.closest("button[data-confirm], [data-delete]");
    if (!confirmable) return;
    let question = confirmable.dataset.confirm;
    if (confirmable.matches("[data-delete]")) {
      const id = confirmable.form?.querySelector("[data-span-field]")?.value;
      const frame = id && frameOf(id);
      question = frame && frame.dataset.eventArgs ? frame.dataset.deleteConfirm : "";
    }
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
  const mark = markOf(document.activeElement);
  if (filling && event.code === "Escape") {
    stopFilling({ refocus: true });
    return;
  }
  if (event.code !== "Enter" && event.code !== "NumpadEnter") return;
  if (!mark) return;
  if (filling) {
    event.preventDefault();
    fill(mark);
    return;
  }
  if (!frameOf(idOf(mark))) return;
  event.preventDefault();
  enterFrame(idOf(mark));
});

// After a swap the panel is new: show the frame of the annotation still focused.
document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (element.id !== "side-panel" && !element.matches?.("[data-doc-text]")) return;
  const mark = markOf(document.activeElement);
  if (mark) show(idOf(mark));
  else if (shown && element.id === "side-panel" && !document.querySelector("[data-frame-for]:not([hidden]), [data-roles-for]:not([hidden])")) show(shown);
  highlight(eventIdAt(document.activeElement));
});
