// The page's controller: opens this tab's session, follows its event stream
// (EventSource reconnects by itself and the server replays what was missed),
// and wires the composer, uploads and buttons to the session's API.

import { h, TurnView } from "./_render.js";

const $ = (id) => document.getElementById(id);
const log = $("log");
const taskInput = $("task");
const sendButton = $("send");
const stopButton = $("stop");
const fileInput = $("file");
const attachments = $("attachments");
const download = $("download");
const statusEl = $("status");

/** This tab's session: `{ id, agent, limits }`, or null before one is open. */
let session = null;
let source = null;
const turns = new Map();
/** Open questions (permission requests, tool approvals) by id: their cards. */
const asks = new Map();

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, credentials: "same-origin" });
  let body = {};
  try {
    body = await response.json();
  } catch {
    // No JSON body: the status says it.
  }
  if (!response.ok) throw new Error(body.error ?? `The server answered ${response.status}`);
  return body;
}

function sessionPath(action) {
  return `/api/sessions/${encodeURIComponent(session.id)}/${action}`;
}

// --- Messages for the person using the page ---------------------------------

let bannerKind = "";
function showBanner(message, { kind = "error", action, onAction } = {}) {
  bannerKind = kind;
  const banner = $("banner");
  banner.className = `banner ${kind}`;
  $("banner-text").textContent = message;
  const button = $("banner-action");
  button.hidden = !action;
  button.textContent = action ?? "";
  button.onclick = onAction ?? null;
  banner.hidden = false;
}

function hideBanner(kind) {
  if (kind && bannerKind !== kind) return;
  $("banner").hidden = true;
  bannerKind = "";
}

function setStatus(text) {
  statusEl.textContent = text;
}

function setRunning(value) {
  stopButton.disabled = !value;
  document.body.classList.toggle("running", value);
}

function setUsable(usable) {
  sendButton.disabled = !usable;
  fileInput.disabled = !usable;
  download.classList.toggle("disabled", !usable);
  if (!usable) setRunning(false);
}

// --- Session and event stream -----------------------------------------------

async function openSession() {
  closeStream();
  session = null;
  turns.clear();
  asks.clear();
  log.replaceChildren(emptyHint());
  attachments.replaceChildren();
  hideBanner();
  setUsable(false);
  setStatus("Starting the agent…");
  try {
    session = await api("/api/sessions", { method: "POST" });
  } catch (error) {
    setStatus("No agent");
    showBanner(error.message, { action: "Try again", onAction: openSession });
    return;
  }
  const a = session.agent;
  $("agent-info").textContent = [
    a.type,
    a.modelId,
    a.tools.length ? `tools: ${a.tools.join(", ")}` : "",
    a.managedAgents.length ? `agents: ${a.managedAgents.join(", ")}` : "",
  ].filter(Boolean).join(" · ");
  download.href = sessionPath("memory");
  setUsable(true);
  setStatus("Ready");
  connect();
}

function emptyHint() {
  return h(
    "p",
    "empty muted",
    "Type a task below. Attached files reach the agent as ",
    h("code", "", "files"),
    " (their paths); images are shown to the model too.",
  );
}

function connect() {
  const stream = new EventSource(sessionPath("events"));
  source = stream;
  stream.onopen = () => hideBanner("connection");
  stream.onmessage = (event) => {
    if (source !== stream) return;
    onMessage(JSON.parse(event.data));
  };
  stream.onerror = () => {
    if (source !== stream) return;
    if (stream.readyState === EventSource.CLOSED) {
      ended("The connection to this chat is closed: start a new chat");
    } else {
      showBanner("Connection lost: reconnecting… (a running task goes on meanwhile)", {
        kind: "connection",
      });
    }
  };
}

function closeStream() {
  source?.close();
  source = null;
}

function ended(message) {
  closeStream();
  setUsable(false);
  setStatus("Closed");
  showBanner(message, { action: "New chat", onAction: newChat });
}

const hooks = {
  status: setStatus,
  rerun: (task) => sendTask(task),
};

// Whether the log follows new output: true unless the reader scrolled up.
// Kept from scroll events, because reading the layout on every message would
// force a reflow per event (the page slows down as the run grows).
let following = true;
log.addEventListener("scroll", () => {
  following = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}, { passive: true });

function onMessage(message) {
  switch (message.type) {
    case "task": {
      log.querySelector(".empty")?.remove();
      turns.set(message.runId, new TurnView(log, message, hooks));
      setRunning(true);
      setStatus("Running…");
      break;
    }
    case "agent": {
      const turn = [...turns.values()].pop();
      turn?.run.handle(message.event);
      break;
    }
    case "run_finished": {
      turns.get(message.runId)?.finish(message);
      setRunning(false);
      setStatus(
        message.outcome === "stopped"
          ? "Stopped"
          : message.outcome === "failed"
          ? "Failed"
          : "Ready",
      );
      break;
    }
    case "session_closed":
      ended(message.message);
      break;
    case "notice":
      showBanner(message.message, { kind: "notice" });
      break;
    case "permission_request":
      showPermissionRequest(message);
      break;
    case "permission_answered":
      showPermissionAnswer(message);
      break;
    case "approval_request":
      showApprovalRequest(message);
      break;
    case "approval_answered":
      showApprovalAnswer(message);
      break;
  }
  if (following) scrollSoon();
}

// --- Permission requests: the sandbox said no, the person decides ----------

const VERBS = {
  read: "to read",
  write: "to write",
  net: "network access to",
  env: "to read the environment variable",
  sys: "the system information",
  run: "to run",
  ffi: "to load the native library",
  import: "to import",
};
const ANSWERS = { once: "Allowed for this run", always: "Allowed always", deny: "Denied" };

function showPermissionRequest(message) {
  const verb = VERBS[message.permission] ?? `${message.permission} access to`;
  const target = h("code", "", String(message.target ?? ""));
  const buttons = h("div", "ask-buttons");
  const card = h(
    "section",
    "permission-ask",
    h("p", "ask-text", "The agent's code wants ", verb, " ", target, ". Allow it?"),
    h("p", "muted small", message.message),
    buttons,
  );
  card.dataset.requestId = String(message.id);
  card.setAttribute("role", "alertdialog");
  for (
    const [label, decision, style] of [
      ["Allow once", "once", "primary"],
      ["Always", "always", ""],
      ["Deny", "deny", "danger"],
    ]
  ) {
    const button = h("button", style, label);
    button.type = "button";
    button.dataset.decision = decision;
    button.addEventListener("click", async () => {
      for (const b of buttons.querySelectorAll("button")) b.disabled = true;
      try {
        await api(sessionPath(`permissions/${message.id}`), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ decision }),
        });
      } catch (error) {
        showBanner(error.message);
        for (const b of buttons.querySelectorAll("button")) b.disabled = false;
      }
    });
    buttons.append(button);
  }
  asks.set(message.id, card);
  log.append(card);
  setStatus("Waiting for your answer…");
}

function showPermissionAnswer(message) {
  const card = asks.get(message.id);
  if (!card) return;
  asks.delete(message.id);
  card.classList.add("answered");
  card.removeAttribute("role");
  card.querySelector(".ask-buttons")?.replaceWith(
    h("p", `ask-answer ${message.decision}`, ANSWERS[message.decision] ?? message.decision),
  );
  if (asks.size === 0) setStatus("Running…");
}

function showApprovalRequest(message) {
  const who = message.agentName ? ` (${message.agentName})` : "";
  const reason = h("input", "ask-reason");
  reason.type = "text";
  reason.placeholder = "Why not? (optional: the model reads it)";
  reason.setAttribute("aria-label", "Reason to refuse");
  const buttons = h("div", "ask-buttons");
  const card = h(
    "section",
    "permission-ask approval-ask",
    h("p", "ask-text", `The agent${who} wants to call `, h("code", "", message.tool), ". Approve?"),
    h("pre", "ask-args", JSON.stringify(message.args, null, 2) ?? ""),
    buttons,
  );
  card.dataset.requestId = String(message.id);
  card.setAttribute("role", "alertdialog");
  for (
    const [label, approved, style] of [["Approve", true, "primary"], ["Refuse", false, "danger"]]
  ) {
    const button = h("button", style, label);
    button.type = "button";
    button.dataset.approved = String(approved);
    button.addEventListener("click", async () => {
      for (const b of buttons.querySelectorAll("button, input")) b.disabled = true;
      try {
        await api(sessionPath(`approvals/${message.id}`), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ approved, reason: approved ? undefined : reason.value }),
        });
      } catch (error) {
        showBanner(error.message);
        for (const b of buttons.querySelectorAll("button, input")) b.disabled = false;
      }
    });
    buttons.append(button);
  }
  buttons.append(reason);
  asks.set(`approval ${message.id}`, card);
  log.append(card);
  setStatus("Waiting for your answer…");
}

function showApprovalAnswer(message) {
  const key = `approval ${message.id}`;
  const card = asks.get(key);
  if (!card) return;
  asks.delete(key);
  card.classList.add("answered");
  card.removeAttribute("role");
  const text = message.approved
    ? "Approved"
    : `Refused${message.reason ? `: ${message.reason}` : ""}`;
  card.querySelector(".ask-buttons")?.replaceWith(
    h("p", `ask-answer ${message.approved ? "once" : "deny"}`, text),
  );
  if (asks.size === 0) setStatus("Running…");
}

let scrollPending = false;
function scrollSoon() {
  if (scrollPending) return;
  scrollPending = true;
  requestAnimationFrame(() => {
    scrollPending = false;
    log.scrollTop = log.scrollHeight;
  });
}

// --- Controls -----------------------------------------------------------------

async function sendTask(task) {
  if (!session) return;
  try {
    await api(sessionPath("tasks"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task }),
    });
    hideBanner("error");
    return true;
  } catch (error) {
    showBanner(error.message);
    return false;
  }
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await sendTask(taskInput.value)) {
    taskInput.value = "";
    attachments.replaceChildren();
  }
});

taskInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

stopButton.addEventListener("click", async () => {
  if (!session) return;
  setStatus("Stopping…");
  try {
    await api(sessionPath("stop"), { method: "POST" });
  } catch (error) {
    showBanner(error.message);
  }
});

async function newChat() {
  if (session) {
    const old = session;
    session = null;
    closeStream();
    await fetch(`/api/sessions/${encodeURIComponent(old.id)}/close`, { method: "POST" })
      .catch(() => {});
  }
  await openSession();
}
$("new-chat").addEventListener("click", newChat);

fileInput.addEventListener("change", async () => {
  const files = [...fileInput.files];
  fileInput.value = "";
  for (const file of files) {
    try {
      const saved = await api(`${sessionPath("files")}?name=${encodeURIComponent(file.name)}`, {
        method: "POST",
        body: file,
      });
      addChip(saved);
      hideBanner("error");
    } catch (error) {
      showBanner(`Cannot attach "${file.name}": ${error.message}`);
    }
  }
});

function addChip(file) {
  const remove = h("button", "small", "✕");
  remove.type = "button";
  remove.title = `Remove ${file.name}`;
  const chip = h("span", "chip", `${file.kind === "image" ? "🖼" : "📄"} ${file.name}`, remove);
  chip.dataset.name = file.name;
  remove.addEventListener("click", async () => {
    chip.remove();
    await api(`${sessionPath("files")}/${encodeURIComponent(file.name)}`, { method: "DELETE" })
      .catch((error) => showBanner(error.message));
  });
  attachments.append(chip);
}

$("banner-close").addEventListener("click", () => hideBanner());

download.addEventListener("click", (event) => {
  if (!session) event.preventDefault();
});

// Closing or reloading the tab ends its session now rather than after the grace period.
addEventListener("pagehide", () => {
  if (session) navigator.sendBeacon(sessionPath("close"));
});

openSession();
