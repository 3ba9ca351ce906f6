// The staff desk Mini App: fetches server-rendered screens with the signed initData, posts actions.
// Telegram passes the launch data in the address fragment (tgWebAppData); nothing is shown without it.
"use strict";

const INIT_DATA = (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData)
  || new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "";
const screen = document.getElementById("screen");
const flash = document.getElementById("flash");
let current = {name: "day", date: ""};

async function call(path, options = {}) {
  const response = await fetch("api/" + path, {
    ...options,
    headers: {"X-Telegram-Init-Data": INIT_DATA, "Content-Type": "application/json"},
  });
  const body = await response.json().catch(() => ({error: "The desk did not answer."}));
  if (!response.ok) throw new Error(body.error || "Not allowed.");
  return body;
}

function say(text, bad = false) {
  flash.textContent = text;
  flash.className = bad ? "bad" : "good";
}

async function show(name, date = "", patient = "") {
  current = {name, date, patient};
  const query = date ? "?date=" + encodeURIComponent(date) : "";
  const path = name === "patient" ? "patient/" + patient : name + query;
  try {
    const body = await call(path);
    screen.innerHTML = body.html;
    document.body.dataset.screen = name;
  } catch (error) {
    screen.innerHTML = "";
    const p = document.createElement("p");
    p.className = "refused";
    p.textContent = error.message;
    screen.appendChild(p);
    document.body.dataset.screen = "refused";
  }
}

async function visitAction(button) {
  const act = button.dataset.act;
  if (act === "cancel") {  // ask first: the patient is told
    button.dataset.act = "cancel-yes";
    button.textContent = "Yes, cancel and tell the patient";
    return;
  }
  const what = act === "cancel-yes" ? "cancel" : act;
  const body = await call("visit/" + button.dataset.visit + "/" + what, {method: "POST", body: "{}"});
  say(body.ok ? "Done: " + body.status : "Not changed (now " + body.status + ")", !body.ok);
  await show(current.name, current.date, current.patient);
}

async function threadAction(kind, ident, action, text) {
  const body = await call(kind + "/" + ident + "/" + action, {method: "POST", body: JSON.stringify({text})});
  say(body.ok ? (action === "close" ? "Conversation closed" : "Sent to the patient") : "Not sent: " + body.outcome,
      !body.ok);
  await show(current.name, current.date, current.patient);
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-nav], [data-patient], [data-act]");
  if (!target) return;
  event.preventDefault();
  if (target.dataset.nav) show(target.dataset.nav, target.dataset.date || "");
  else if (target.dataset.patient) show("patient", "", target.dataset.patient);
  else if (target.dataset.visit) visitAction(target).catch((e) => say(e.message, true));
  else if (target.dataset.act === "close") threadAction("thread", target.dataset.thread, "close", "")
    .catch((e) => say(e.message, true));
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  const text = form.querySelector("textarea").value;
  const done = form.dataset.form === "reply"
    ? threadAction("thread", form.dataset.thread, "reply", text)
    : threadAction("patient", form.dataset.patientId, "message", text);
  done.catch((e) => say(e.message, true));
});

if (window.Telegram && window.Telegram.WebApp) window.Telegram.WebApp.ready();
show("day");
