/* Meridian web chat widget. Embed with:
 *   <script>window.MeridianChat = {userId: "42", userHash: "<hex HMAC>"};</script>
 *   <script src="https://meridian.example/webchat/widget.js" async></script>
 * See channels/webchat/README.md. Plain JavaScript, no dependencies; text is only ever set
 * with textContent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__meridianChatLoaded) return;
  window.__meridianChatLoaded = true;

  var cfg = window.MeridianChat || {};
  var src = new URL(script.src, document.baseURI);
  var wsURL = (src.protocol === "https:" ? "wss://" : "ws://") + src.host +
    src.pathname.replace(/widget\.js$/, "ws");
  var KEY = "meridian-chat:v1";
  var MAX_LOG = 50;

  var store = load();
  // A visitor id that was a signed-in shopper's is not handed to whoever uses the browser after
  // they sign out or to another shopper; an anonymous visitor who signs in keeps theirs.
  var userId = cfg.userId ? String(cfg.userId) : "";
  if (store.userId && store.userId !== userId) store = {visitorId: "", visitorToken: "", log: []};
  var socket = null, open = false, connected = false, idleClosed = false;
  var backoff = 1000, retryTimer = null;

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(KEY) || "{}");
      return {visitorId: s.visitorId || "", visitorToken: s.visitorToken || "", userId: s.userId || "",
        log: Array.isArray(s.log) ? s.log : []};
    } catch (e) {
      return {visitorId: "", visitorToken: "", log: []};
    }
  }
  function save() {
    store.log = store.log.slice(-MAX_LOG);
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* private mode */ }
  }
  function randomId() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // --- UI, in a shadow root so the shop's styles do not reach it -------------------------
  var host = document.createElement("div");
  var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
  function el(tag, props, style) {
    var e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") e.textContent = props[k]; else e.setAttribute(k, props[k]);
    });
    Object.assign(e.style, style || {});
    return e;
  }
  var font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";
  var button = el("button", {type: "button", "aria-label": cfg.buttonLabel || "Open chat",
    "aria-expanded": "false", "aria-controls": "meridian-chat-panel"}, {
    position: "fixed", right: "20px", bottom: "20px", width: "56px", height: "56px",
    borderRadius: "50%", border: "none", background: cfg.color || "#1f6feb", color: "#fff",
    fontSize: "26px", cursor: "pointer", boxShadow: "0 2px 10px rgba(0,0,0,.25)", zIndex: "2147483000"});
  button.textContent = "\u{1F4AC}";
  var badge = el("span", {"aria-hidden": "true"}, {position: "absolute", top: "4px", right: "4px",
    width: "12px", height: "12px", borderRadius: "50%", background: "#d1242f", display: "none"});
  button.appendChild(badge);

  var panel = el("div", {id: "meridian-chat-panel", role: "dialog", "aria-modal": "false",
    "aria-label": cfg.title || "Chat with us", hidden: ""}, {
    position: "fixed", right: "20px", bottom: "88px", width: "min(360px, calc(100vw - 40px))",
    height: "min(520px, calc(100vh - 120px))", display: "flex", flexDirection: "column",
    background: "#fff", color: "#1f2328", borderRadius: "12px", boxShadow: "0 4px 24px rgba(0,0,0,.25)",
    font: "14px/1.4 " + font, zIndex: "2147483000", overflow: "hidden"});
  var header = el("div", {}, {display: "flex", alignItems: "center", justifyContent: "space-between",
    padding: "10px 14px", background: cfg.color || "#1f6feb", color: "#fff"});
  var title = el("h2", {text: cfg.title || "Chat with us"}, {margin: "0", fontSize: "15px"});
  var closeBtn = el("button", {type: "button", "aria-label": "Close chat", text: "\u00D7"}, {
    background: "transparent", border: "none", color: "#fff", fontSize: "22px", cursor: "pointer"});
  header.appendChild(title);
  header.appendChild(closeBtn);
  var status = el("div", {role: "status"}, {padding: "2px 14px", fontSize: "12px", color: "#59636e"});
  var log = el("div", {role: "log", "aria-live": "polite", tabindex: "0"}, {
    flex: "1", overflowY: "auto", padding: "10px 14px", display: "flex", flexDirection: "column", gap: "6px"});
  var form = el("form", {}, {display: "flex", gap: "6px", padding: "10px", borderTop: "1px solid #d1d9e0"});
  var label = el("label", {for: "meridian-chat-input", text: cfg.inputLabel || "Your message"}, {
    position: "absolute", width: "1px", height: "1px", overflow: "hidden", clip: "rect(0 0 0 0)"});
  var input = el("textarea", {id: "meridian-chat-input", rows: "2", maxlength: "4000"}, {
    flex: "1", resize: "none", font: "inherit", padding: "6px", border: "1px solid #d1d9e0", borderRadius: "6px"});
  var send = el("button", {type: "submit", text: cfg.sendLabel || "Send"}, {
    border: "none", borderRadius: "6px", padding: "0 14px", background: cfg.color || "#1f6feb",
    color: "#fff", cursor: "pointer", font: "inherit"});
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(status);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(button);
  root.appendChild(panel);

  var rows = {}; // entry key -> {row, state}
  function render(entry) {
    var key = entry.mine ? "c:" + entry.clientId : "s:" + entry.id;
    var r = rows[key];
    if (!r) {
      var row = el("div", {}, {alignSelf: entry.mine ? "flex-end" : "flex-start", maxWidth: "85%"});
      var bubble = el("div", {dir: "auto"}, {padding: "6px 10px", borderRadius: "10px", whiteSpace: "pre-wrap",
        overflowWrap: "anywhere", background: entry.mine ? "#ddf4ff" : "#f6f8fa"});
      var state = el("div", {}, {fontSize: "11px", color: "#59636e", textAlign: entry.mine ? "right" : "left"});
      row.appendChild(bubble);
      row.appendChild(state);
      log.appendChild(row);
      r = rows[key] = {bubble: bubble, state: state};
    }
    r.bubble.textContent = entry.text;
    r.state.textContent = entry.mine ? (entry.acked ? "Sent" : entry.failed ? "Not sent" : "Sending\u2026") : "";
    log.scrollTop = log.scrollHeight;
  }
  store.log.forEach(render);

  function setOpen(v) {
    open = v;
    if (v) panel.removeAttribute("hidden"); else panel.setAttribute("hidden", "");
    panel.style.display = v ? "flex" : "none";
    button.setAttribute("aria-expanded", String(v));
    button.setAttribute("aria-label", v ? "Close chat" : (cfg.buttonLabel || "Open chat"));
    if (v) {
      badge.style.display = "none";
      connect();
      markRead();
      input.focus();
    } else {
      button.focus();
    }
  }
  panel.style.display = "none";
  button.addEventListener("click", function () { setOpen(!open); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  function submit() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    var entry = {mine: true, clientId: randomId(), text: text, acked: false};
    store.log.push(entry);
    save();
    render(entry);
    idleClosed = false;
    if (connected) transmit(entry); else connect();
  }
  function transmit(entry) {
    socket.send(JSON.stringify({type: "message", clientId: entry.clientId, text: entry.text}));
  }
  function receipt(type, entry) {
    if (connected) socket.send(JSON.stringify({type: type, id: entry.id}));
  }
  // Replies shown in the open panel of a visible page are read.
  function markRead() {
    if (!open || document.visibilityState !== "visible") return;
    var changed = false;
    store.log.forEach(function (x) {
      if (!x.mine && !x.read && connected) { x.read = true; changed = true; receipt("read", x); }
    });
    if (changed) save();
  }
  function find(clientId) {
    for (var i = store.log.length - 1; i >= 0; i--) {
      if (store.log[i].mine && store.log[i].clientId === clientId) return store.log[i];
    }
    return null;
  }

  // --- connection ------------------------------------------------------------------------
  function connect() {
    if (socket || idleClosed && !open) return;
    clearTimeout(retryTimer);
    status.textContent = "Connecting\u2026";
    var ws = socket = new WebSocket(wsURL);
    ws.onopen = function () {
      idleClosed = false;
      ws.send(JSON.stringify({type: "hello", visitorId: store.visitorId, visitorToken: store.visitorToken,
        userId: userId || undefined, userHash: cfg.userHash, name: cfg.name,
        email: cfg.email, emailHash: cfg.emailHash, locale: cfg.locale || navigator.language}));
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        if (f.visitorId !== store.visitorId) { store.log = store.log.filter(function (x) { return x.mine && !x.acked; }); }
        store.visitorId = f.visitorId;
        store.visitorToken = f.visitorToken;
        if (f.verified) store.userId = userId;
        save();
        connected = true;
        backoff = 1000;
        status.textContent = "";
        // Anything not acknowledged is sent again with its clientId; the server counts it once.
        store.log.forEach(function (x) { if (x.mine && !x.acked && !x.dropped) { x.failed = false; transmit(x); } });
        markRead();
      } else if (f.type === "ack") {
        var m = find(f.clientId);
        if (m) { m.acked = true; m.failed = false; save(); render(m); }
      } else if (f.type === "message") {
        var seen = store.log.some(function (x) { return !x.mine && x.id === f.id; });
        if (seen) return;
        var entry = {mine: false, id: f.id, text: String(f.text), at: f.at};
        store.log.push(entry);
        save();
        render(entry);
        receipt("received", entry);
        if (!open) badge.style.display = "block"; else markRead();
      } else if (f.type === "error") {
        var e = f.clientId && find(f.clientId);
        if (e) {
          e.failed = true;
          e.dropped = f.retry === false; // refused for good: not sent again
          save();
          render(e);
          if (f.retry) setTimeout(function () { if (connected && !e.acked) transmit(e); }, 1500);
        } else if (window.console) {
          console.warn("Meridian chat:", f.code, f.message);
        }
      }
    };
    ws.onclose = function (ev) {
      socket = null;
      connected = false;
      if (ev.code === 4000) { // idle: reconnect on the next interaction
        idleClosed = true;
        status.textContent = "";
        return;
      }
      status.textContent = "Reconnecting\u2026";
      retryTimer = setTimeout(connect, backoff + Math.random() * backoff / 2);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  function mount() {
    document.body.appendChild(host);
    // A returning visitor connects at once, so replies sent while they were away arrive.
    if (store.visitorId) connect();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    if (store.visitorId && !socket) { idleClosed = false; connect(); }
    markRead();
  });
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
