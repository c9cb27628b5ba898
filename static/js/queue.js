// newsreview: the workspace's action queue: no action an annotator takes is lost, applied
// twice or applied to the wrong annotation, whatever the network does (issue 9).
//
// - Captured when the person acts: a workspace form's fields are read at the key press or
//   click (FormData with its submitter), plus values the caller fixes (the selection's
//   code-point offsets and the label). Nothing is read from the page later.
// - Sent in order, one at a time, by fetch as htmx would send them (HX-Request, the form's
//   CSRF token). Each request carries the layer version the previous answer returned
//   (X-Layer-Version), so the user's own queued actions never conflict with each other.
// - Pending spans: a new span is drawn at once as a pending mark with its label, known by
//   a client id ("p3") until its answer names the span (X-Span-Id). An action on a pending
//   span is queued with that client id and sent with the server's id.
// - Idempotent: every action carries a random id (`action`) that the server remembers per
//   layer (annotations.AppliedAction): a retry whose first answer was lost is answered
//   with the current view, never applied twice.
// - Failures: no answer (30 s at most), or a 502/503/504, is retried with back-off (0.5 s
//   doubling to 8 s) while an indicator says how many changes are not saved yet (and a
//   503's short plain-text reason is shown in #problems until the next answer), and
//   leaving the page asks first; a 500 is retried twice, then reported. A refused action
//   (4xx) is dropped, its mark removed, its reason shown in #problems. A conflict (409:
//   another tab or person changed the layer) swaps in the fresh view, and that action and
//   what was still queued are set aside as not saved, with a button that sends them again.
// - Answers are the server's HTML fragments, swapped with htmx.swap (out-of-band parts
//   included). A swap waits while a mouse button is down (a drag in progress), puts the
//   user's selection back by code-point offsets, and moves focus only if the user has not
//   moved on since the action.
import { restoreSelection, saveSelection, wrapRange } from "./text.js";

const queue = []; // actions not yet answered, oldest first; queue[0] may be in flight
const setAside = []; // actions a conflict stopped: not saved, offered again
const spanIds = new Map(); // client id of a pending span → the server's span id
const deferred = []; // swaps waiting for the mouse button to go up
let version = null; // the layer version the server last answered with
let sending = false;
let retryDelay = 0;
let retryTimer = null;
let failing = false;
let nextPending = 1;
let gesture = 0; // counts the user's key and mouse presses
let pointerIsDown = false;
const REQUEST_TIMEOUT_MS = 30_000;
const SERVER_ERROR_ATTEMPTS = 3;

const docText = () => document.querySelector("[data-doc-text]");
const workspace = () => document.querySelector("[data-annotate]");
const message = (name) => workspace()?.dataset[name] || "";
const isPendingId = (value) => /^p\d+$/.test(value);
const isPlainText = (response) => (response?.headers.get("Content-Type") || "").startsWith("text/plain");

export const unsavedCount = () => queue.length + setAside.length;

// The layer version to send; a non-queued answer (the argument picker, other tools) may
// have moved it, and brings #layer-version with it.
export function setVersion(value) {
  if (!sending && !queue.length) version = Number(value);
}

function currentVersion() {
  if (version === null) {
    version = Number(document.getElementById("layer-version")?.dataset.layerVersion ?? docText()?.dataset.version ?? 0);
  }
  return version;
}

function randomId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Why an action was refused stays readable for a while: the answers to the actions queued
// behind it would otherwise clear #problems (their out-of-band part) at once.
const PROBLEM_STAYS_MS = 8000;
let problem = null;

function writeProblem(text) {
  const region = document.getElementById("problems");
  if (!region) return;
  const p = document.createElement("p");
  p.className = "problem";
  p.textContent = text;
  region.replaceChildren(p);
}

export function showProblem(text) {
  writeProblem(text);
  problem = { text, until: Date.now() + PROBLEM_STAYS_MS };
}

// After a swap: a message the answer brought starts its own while; otherwise an earlier
// one still within its while is written back.
function keepProblem() {
  const text = document.getElementById("problems")?.textContent.trim();
  if (text) problem = { text, until: Date.now() + PROBLEM_STAYS_MS };
  else if (problem && Date.now() < problem.until) writeProblem(problem.text);
}

// Queue the submission of `form`: its fields now, `fields` over them. With `pending`
// ({start, end, label, colour}) the span to be created is drawn at once; its client id is
// returned.
export function enqueue(form, { submitter = null, fields = {}, pending = null } = {}) {
  let data = [...new FormData(form, submitter)].filter(([name]) => name !== "version" && !(name in fields));
  // An edge move must not carry the relabel list's value along: it shows the label the
  // page had, which a relabel still in the queue may be changing.
  if (submitter?.name === "edge") data = data.filter(([name]) => name !== "label");
  for (const [name, value] of Object.entries(fields)) data.push([name, String(value)]);
  const action = { id: randomId(), url: form.action, data, gesture };
  if (pending) action.pending = { ...pending, id: `p${nextPending++}` };
  queue.push(action);
  redraw();
  pump();
  return action.pending?.id;
}

// The client id `value` as the server knows it; undefined if its create was refused.
function resolve(value) {
  return isPendingId(value) ? spanIds.get(value) : value;
}

async function pump() {
  if (sending || retryTimer || !queue.length) return;
  const action = queue[0];
  const body = new URLSearchParams();
  for (const [name, value] of action.data) {
    const resolved = resolve(value);
    if (resolved === undefined) {
      queue.shift();
      showProblem(message("msgPendingRefused"));
      redraw();
      pump();
      return;
    }
    body.append(name, resolved);
  }
  body.set("version", currentVersion());
  body.set("action", action.id);
  sending = true;
  let response = null;
  let html = "";
  // A server that never answers counts as a failure too (the retry is safe: idempotent).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), REQUEST_TIMEOUT_MS);
  try {
    response = await fetch(action.url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href },
      signal: timeout.signal,
    });
    html = await response.text();
  } catch {
    response = null; // no answer: the connection failed, was cut or timed out
  }
  clearTimeout(timer);
  sending = false;
  // 502/503/504: a proxy or a server that is down or restarting. A 500 is a fault of
  // this change on the server: tried a few times, then reported (never retried forever).
  const transient = !response || response.status >= 502;
  action.attempts = (action.attempts || 0) + 1;
  if (transient || (response.status >= 500 && action.attempts < SERVER_ERROR_ATTEMPTS)) {
    // The server's own short words (the 503 sent while the database is unreachable) go to
    // #problems until an answer replaces them: not kept after it, unlike a refusal's reason.
    if (response?.status === 503 && isPlainText(response) && html.length < 300) writeProblem(html);
    retry();
    return;
  }
  retryDelay = 0;
  failing = false;
  answered(action, response, html);
  pump();
}

function retry() {
  failing = true;
  retryDelay = Math.min(retryDelay ? retryDelay * 2 : 500, 8000);
  redraw();
  retryTimer = setTimeout(() => {
    retryTimer = null;
    pump();
  }, retryDelay);
}

function answered(action, response, html) {
  queue.shift();
  const answeredVersion = response.headers.get("X-Layer-Version");
  if (answeredVersion !== null) version = Number(answeredVersion);
  const spanId = response.headers.get("X-Span-Id");
  if (action.pending && response.ok && spanId) spanIds.set(action.pending.id, spanId);
  if (response.redirected) {
    // The session ended (a login page came back): keep everything for after logging in.
    setAside.push(action, ...queue.splice(0));
    showProblem(message("msgLoggedOut"));
    redraw();
    return;
  }
  // The conflicting action and everything after it were not saved: kept to send again.
  if (response.status === 409) setAside.push(action, ...queue.splice(0));
  const swappable = response.ok || response.status === 409 || response.status === 422;
  if (!swappable) {
    const short = isPlainText(response) && html.length < 300 && response.status < 500;
    showProblem(short ? html : `${message("msgFailed")} ${response.status}`);
  }
  const swap = () => {
    if (swappable) swapAnswer(action, response, html);
    else redraw();
  };
  if (pointerIsDown) deferred.push(swap);
  else swap();
}

function swapAnswer(action, response, html) {
  const before = document.activeElement;
  const focusedId = before?.closest?.("[data-doc-text] [data-span-id]")?.dataset.spanId;
  const target = response.headers.get("HX-Retarget") || "#doc-text";
  const swapStyle = response.headers.get("HX-Reswap") || "outerHTML";
  const root = docText();
  const selection = saveSelection(root);
  htmx.swap(target, html, { swapStyle });
  keepProblem();
  redraw();
  restoreSelection(docText(), selection);
  settleFocus(action, before, focusedId, response.ok ? response.headers.get("X-Span-Id") : null);
}

// Focus after an answer: the annotation the action was about, if the user has not moved
// on since (no key or mouse press, nothing else queued, no selection, no dialog open);
// otherwise focus stays where the user put it, or, if the swap removed that element,
// goes back to the same annotation or to the text.
function settleFocus(action, before, focusedId, selectedId) {
  if (document.querySelector("dialog[open]")) return;
  const selection = getSelection();
  if (selection.rangeCount && !selection.isCollapsed && docText()?.contains(selection.anchorNode)) return;
  const movedOn = gesture !== action.gesture || queue.length > 0;
  if (!movedOn && selectedId && focusSpanId(selectedId, { scroll: true })) return;
  if (before && document.body.contains(before) && before !== document.body) return;
  // Putting focus back never scrolls: the user may be reading or dragging elsewhere.
  if (focusedId && focusSpanId(focusedId)) return;
  if (!before || before === document.body || !document.body.contains(before)) {
    docText()?.focus({ preventScroll: true });
  }
}

function focusSpanId(id, { scroll = false } = {}) {
  const mark = docText()?.querySelector(`[data-span-id="${CSS.escape(String(id))}"][tabindex]`);
  if (mark) mark.focus({ preventScroll: !(scroll && movedOutOfView(mark)) });
  return Boolean(mark);
}

const movedOutOfView = (element) => {
  const box = element.getBoundingClientRect();
  return box.bottom < 0 || box.top > innerHeight;
};

function unwrapPending(root) {
  for (const old of root?.querySelectorAll("[data-pending]") || []) {
    const parent = old.parentNode;
    old.replaceWith(...old.childNodes);
    parent.normalize();
  }
}

// Draw what is queued: pending spans, busy marks on spans with a queued change, and the
// "not saved yet" indicator. Called after every change of the queue or the text.
function redraw() {
  const root = docText();
  if (root) {
    const selection = saveSelection(root);
    unwrapPending(root);
    for (const old of root.querySelectorAll(".is-busy")) old.classList.remove("is-busy");
    for (const action of queue) {
      if (action.pending) drawPending(root, action.pending);
      const span = action.data.find(([name]) => name === "span" || name === "trigger")?.[1];
      const id = span && (resolve(span) ?? span);
      if (id && !isPendingId(id)) {
        for (const part of root.querySelectorAll(`[data-span-id="${CSS.escape(id)}"]`)) part.classList.add("is-busy");
      }
    }
    restoreSelection(root, selection);
  }
  const ws = workspace();
  if (ws) ws.dataset.unsaved = String(unsavedCount());
  showState();
}

function drawPending(root, pending) {
  wrapRange(root, pending.start, pending.end, (first) => {
    const mark = document.createElement("span");
    mark.className = "pending-span";
    mark.dataset.pending = pending.id;
    mark.style.setProperty("--label-color", pending.colour || "#888");
    if (first) {
      mark.dataset.pendingLabel = pending.label;
      mark.tabIndex = -1; // focusable, so it can be relabelled or deleted before it is saved
    }
    return mark;
  });
}

function showState() {
  const state = document.getElementById("save-state");
  if (!state) return;
  const parts = [];
  if (queue.length) {
    parts.push(message("msgUnsaved").replace("{n}", queue.length));
    if (failing) parts.push(message("msgRetrying"));
  }
  state.replaceChildren(parts.join(" "));
  if (setAside.length) {
    const p = document.createElement("span");
    p.textContent = ` ${message("msgSetAside").replace("{n}", setAside.length)} `;
    const again = document.createElement("button");
    again.type = "button";
    again.className = "button button--small";
    again.dataset.sendAgain = "";
    again.textContent = message("msgSendAgain");
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button button--small";
    drop.dataset.discard = "";
    drop.textContent = message("msgDiscard");
    state.append(p, again, " ", drop);
  }
  state.hidden = !queue.length && !setAside.length;
  state.classList.toggle("save-state--failing", failing || setAside.length > 0);
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-send-again]")) {
    // After a conflict the page shows the current annotations; the set-aside actions go
    // again, in order, on top of them (their action ids are new: they were never applied).
    const again = setAside.splice(0);
    for (const action of again) queue.push({ ...action, id: randomId(), gesture });
    redraw();
    pump();
  } else if (event.target.closest("[data-discard]")) {
    setAside.splice(0);
    redraw();
  }
});

// Every key or mouse press is a gesture: an answer arriving after one does not move focus.
document.addEventListener("keydown", () => gesture++, true);
document.addEventListener(
  "mousedown",
  () => {
    gesture++;
    pointerIsDown = true;
  },
  true,
);
document.addEventListener(
  "mouseup",
  () => {
    pointerIsDown = false;
    // After the browser has finished the selection this press made.
    setTimeout(() => {
      while (deferred.length && !pointerIsDown) deferred.shift()();
    });
  },
  true,
);

// Workspace forms (relabel, edges, delete, arguments, undo/redo, status) go through the
// queue; htmx never sees their submission. Without JavaScript they post as plain forms.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target.closest?.("form[data-queue]");
    if (!form) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    enqueue(form, { submitter: event.submitter });
  },
  true,
);

window.addEventListener("beforeunload", (event) => {
  if (unsavedCount()) event.preventDefault();
});
