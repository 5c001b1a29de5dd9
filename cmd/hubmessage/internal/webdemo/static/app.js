// The page of the web demo, written as a team's frontend would be: it asks the SDK for the
// signup's payload, posts it to its own backend, and tells the person how it went. The parts
// marked "demo" exist only to show the hops and to drive the demo-only controls.

// In production: import HubMessage from '@hubmessage/connect';
import HubMessage from "/sdk-standin.js";

// A Public Key may sit in a page; the Secret Key never does (the backend holds it).
const PUBLIC_KEY = "pk_demo_public_key";

const $ = (id) => document.getElementById(id);
let channelId = "";
let lastPayload = null; // demo: for "reuse the last code"
let attempts = 0; // counts the outcomes shown, so a test can wait for the next one

// post sends a POST to this page's own backend and returns {status, ok, body}.
async function post(path, payload) {
  const init = { method: "POST", credentials: "same-origin" };
  if (payload !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(payload);
  }
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  return { status: res.status, ok: res.ok, body };
}

function hop(kind, who, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.dataset.hop = kind;
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = who + ": ";
  li.append(label, text);
  $("hops").append(li);
}

function outcome(text, success) {
  const p = $("outcome");
  p.textContent = text;
  p.className = success ? "success" : "failure";
  p.hidden = false;
  p.dataset.attempt = String(++attempts);
}

function payloadText(p) {
  // The code is a credential for a few seconds: the page names it, never shows it.
  return `{wabaId: "${p.wabaId}", phoneId: "${p.phoneId}", code: (hidden, ${p.code.length} characters), coexistence: ${p.coexistence}}`;
}

async function startSession() {
  const res = await post("/backend/session");
  if (!res.ok) {
    $("session").textContent = "The backend could not start a session: " + (res.body.message || "HTTP " + res.status);
    return;
  }
  channelId = res.body.channelId;
  $("session").textContent = `The backend created WhatsApp channel ${channelId} for you (POST /v1/channels) ` +
    "and will connect only that one, whatever the page says.";
  $("connect").disabled = false;
  $("demo-disconnect").disabled = false;
}

async function connect() {
  $("connect").disabled = true;
  $("hops").replaceChildren();
  $("outcome").hidden = true;
  const expire = $("demo-expire").checked, reuse = $("demo-reuse").checked, fail = $("demo-fail").checked;
  for (const id of ["demo-expire", "demo-reuse", "demo-fail"]) $(id).checked = false; // one attempt each
  try {
    let payload;
    if (reuse && lastPayload) {
      payload = lastPayload;
      hop("demo", "Demo", "the SDK is not asked; the page sends the last payload again, with the same code " + payloadText(payload));
    } else {
      payload = await HubMessage.newClient({ publicKey: PUBLIC_KEY }).connect({ channelId });
      hop("sdk", "SDK → page", "HubMessage.newClient({publicKey}).connect({channelId}) resolved " + payloadText(payload));
    }
    lastPayload = payload;
    $("demo-reuse").disabled = false;
    if (expire) {
      const res = await post("/backend/demo/expire");
      if (!res.ok) throw new Error("letting the code expire failed: " + (res.body.message || "HTTP " + res.status));
      hop("demo", "Demo", "the reference server's clock moved 31 s on: the code, which lives 30 s, has expired");
    }
    if (fail) {
      const res = await post("/backend/demo/fail-next-connect");
      if (!res.ok) throw new Error("queueing the upstream failure failed: " + (res.body.message || "HTTP " + res.status));
      hop("demo", "Demo", "the reference server will answer this channel's next connect 502 (scenario injection)");
    }

    hop("backend", "Page → backend", "POST /backend/connect with the payload");
    const res = await post("/backend/connect", payload);
    const trace = await fetch("/backend/demo/trace", { credentials: "same-origin" }).then((r) => r.json()).catch(() => ({}));
    const calls = trace.calls || [];
    if (calls.length === 0) hop("api", "Backend → API", "no call: the backend answered on its own");
    for (const c of calls) {
      const answer = c.status ? `${c.status}${c.message ? " " + c.message : ""}` : "no answer (" + c.error + ")";
      hop("api", "Backend → API", `${c.method} ${c.path} answered ${answer}${c.note ? ": " + c.note : ""}`);
    }
    if (res.ok) {
      hop("backend", "Backend → page", `${res.status} {"connected":true}`);
      outcome("Channel connected", true);
    } else {
      hop("backend", "Backend → page", `${res.status} reason "${res.body.reason || "?"}"`);
      outcome(res.body.message || `The backend answered HTTP ${res.status}.`, false);
    }
  } catch (err) {
    outcome("The demo failed: " + err.message, false);
  } finally {
    $("connect").disabled = false;
  }
}

async function disconnect() {
  $("demo-note").textContent = "";
  const res = await post("/backend/demo/disconnect");
  $("demo-note").textContent = res.ok
    ? "Disconnected: connect again (with a new code)."
    : "Disconnect failed: " + (res.body.message || "HTTP " + res.status);
}

$("connect").addEventListener("click", connect);
$("demo-disconnect").addEventListener("click", disconnect);
startSession();
