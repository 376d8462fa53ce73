// The chat page's client: plain browser JavaScript, no build step.
// Page parameters: ?name=<you> (default: a random 7-digit number, as in
// firetower's demo) and ?room=<room> (default: world).
"use strict";

const params = new URLSearchParams(location.search);
const user = params.get("name") || String(1000000 + Math.floor(Math.random() * 9000000));
let room = "/chat/" + (params.get("room") || "world");

const $ = (id) => document.getElementById(id);
const messages = $("messages");
const online = $("online");
const status = $("status");
const text = $("text");
const send = $("send");
$("user").textContent = user;

/** Appends a line to the conversation and keeps it in view. */
function line(className, ...parts) {
  const div = document.createElement("div");
  div.className = className;
  for (const part of parts) div.append(part);
  messages.append(div);
  messages.scrollTop = messages.scrollHeight;
  return div;
}

function span(className, content) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = content;
  return element;
}

function setStatus(state) {
  status.className = state;
  status.textContent = state;
  text.disabled = send.disabled = state !== "connected";
}

const protocol = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(
  `${protocol}//${location.host}/ws?name=${encodeURIComponent(user)}`,
  ["firetower.json"],
);

function frame(type, topic, data = "") {
  socket.send(JSON.stringify({ type, topic, data }));
}

function enter(topic) {
  room = topic;
  $("room").textContent = topic;
  online.textContent = "…";
  frame("subscribe", topic);
}

function publish(message) {
  if (socket.readyState !== WebSocket.OPEN) return;
  frame("publish", room, { text: message });
}

socket.addEventListener("open", () => {
  setStatus("connected");
  line("sys", `welcome, ${user}`);
  enter(room);
});

socket.addEventListener("message", (event) => {
  if (event.data === "heartbeat") return; // keep-alive from the gateway
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch {
    return;
  }
  switch (msg.type) {
    case "publish":
      if (msg.topic === room) show(msg.data);
      break;
    case "timeout": // the server dropped our message: offer to send it again
      failed(msg.data.data);
      break;
    case "subscribed":
      line("sys", `entered room ${msg.topic}`);
      break;
    case "unsubscribed":
      if (msg.reason === "server") line("sys", `removed from ${msg.topic} by the server`);
      break;
    case "error":
      line("sys error", `error (${msg.code}): ${msg.message}`);
      break;
  }
});

/** Shows one chat publication: a message or an online count. */
function show(data) {
  if (!data || typeof data !== "object") return;
  switch (data.type) {
    case "onSubscribe":
    case "onUnsubscribe":
      online.textContent = String(data.data);
      break;
    case "publish":
      line(
        data.from === user ? "msg mine" : "msg",
        span("from", data.from),
        span("text", data.data),
      );
      break;
  }
}

function failed(message) {
  const retry = document.createElement("button");
  retry.type = "button";
  retry.textContent = "retry";
  const div = line("failed", span("text", message), " — not sent (server busy)", retry);
  retry.addEventListener("click", () => {
    div.remove();
    publish(message);
  });
}

socket.addEventListener("close", (event) => {
  setStatus("disconnected");
  online.textContent = "-";
  const why = event.code === 1012 ? "the server is restarting" : `code ${event.code}`;
  line("sys error", `disconnected (${why}); refresh the page to reconnect`);
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const message = text.value.trim();
  if (message === "") return;
  publish(message);
  text.value = "";
  text.focus();
});

$("switch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("room-name").value.trim();
  if (name === "" || socket.readyState !== WebSocket.OPEN) return;
  const next = "/chat/" + name;
  if (next === room) return;
  frame("unSubscribe", room);
  enter(next);
  $("room-name").value = "";
});
