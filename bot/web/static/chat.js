/* Tryggbot web chat. No cookies, no third parties. The page keeps a random secret in its
   own storage (the bot stores only a keyed hash of it), the transcript, the sequence of
   the last reply seen and the messages not yet accepted by the bot (sent again, with the
   same id, until they are: the bot handles each id once). Replies arrive as Server-Sent
   Events; a reconnect resumes after the last reply seen. */
(function () {
  "use strict";
  var root = document.getElementById("tb");
  if (!root || !window.fetch || !window.EventSource || !window.crypto) { return; }
  var S = JSON.parse(root.getAttribute("data-strings"));
  var pageLang = root.getAttribute("data-lang");
  var pageDir = root.getAttribute("data-dir");
  var KEY = "tryggbot.chat.v1";
  var MAX_LOG = 200;
  var log = document.getElementById("tb-log");
  var statusEl = document.getElementById("tb-status");
  var form = document.getElementById("tb-form");
  var input = document.getElementById("tb-text");
  var ticket = null;
  var source = null;
  var flushing = false;
  var retryDelay = 1000;
  var afterReply = [];

  function random(bytes) {
    var a = new Uint8Array(bytes);
    window.crypto.getRandomValues(a);
    var s = "";
    for (var i = 0; i < a.length; i++) { s += String.fromCharCode(a[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fresh() { return { secret: random(32), lastSeq: 0, log: [], pending: [], lang: null }; }

  function load() {
    try {
      var raw = window.localStorage.getItem(KEY);
      if (raw) {
        var s = JSON.parse(raw);
        if (s && typeof s.secret === "string" && s.secret.length >= 32) {
          s.log = s.log || []; s.pending = s.pending || []; s.lastSeq = s.lastSeq || 0;
          return s;
        }
      }
    } catch (e) { /* storage off: this tab only */ }
    return fresh();
  }

  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* this tab only */ }
  }

  var state = load();

  function say(text, isError) {
    statusEl.textContent = text || "";
    statusEl.className = isError ? "status error" : "status";
  }

  function errorText(err) {
    var text = S["error." + err.code] || S["error.network"];
    return text.replace("{incident}", err.incident || "");
  }

  function api(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok) { return data; }
        var err = new Error(data.error || "bad");
        err.code = data.error || "bad";
        err.incident = data.incident;
        err.status = resp.status;
        err.retryAfter = parseInt(resp.headers.get("Retry-After") || "0", 10);
        throw err;
      });
    }, function () {
      var err = new Error("network");
      err.code = "network";
      throw err;
    });
  }

  /* ------------------------------------------------------------- the transcript */

  function textInto(el, text) {
    var parts = String(text).split("**");
    for (var i = 0; i < parts.length; i++) {
      if (i % 2) {
        var b = document.createElement("b");
        b.textContent = parts[i];
        el.appendChild(b);
      } else if (parts[i]) {
        el.appendChild(document.createTextNode(parts[i]));
      }
    }
  }

  function retireChoices() {
    var old = log.querySelectorAll(".choices button");
    for (var i = 0; i < old.length; i++) { old[i].disabled = true; }
  }

  function render(item, latest) {
    var div = document.createElement("div");
    div.className = "msg " + (item.who === "bot" ? "bot" : "me") + (item.pending ? " pending" : "");
    div.setAttribute("lang", item.lang || pageLang);
    div.setAttribute("dir", item.dir || (item.who === "bot" ? pageDir : "auto"));
    if (item.id) { div.setAttribute("data-id", item.id); }
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = item.who === "bot" ? S.bot : S.you;
    div.appendChild(who);
    var body = document.createElement("span");
    textInto(body, item.text);
    div.appendChild(body);
    if (item.who === "bot" && item.choices && item.choices.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", S.choices_label);
      item.choices.forEach(function (c) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = c.label;
        btn.disabled = !latest;
        btn.addEventListener("click", function () {
          send(c.value, c.label);
          input.focus();
        });
        group.appendChild(btn);
      });
      div.appendChild(group);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function remember(item) {
    state.log.push(item);
    if (state.log.length > MAX_LOG) { state.log.splice(0, state.log.length - MAX_LOG); }
  }

  function addBot(data) {
    retireChoices();
    var item = { who: "bot", text: data.text, lang: data.lang, dir: data.dir, choices: data.choices };
    remember(item);
    render(item, true);
    var waiting = afterReply;
    afterReply = [];
    waiting.forEach(function (fn) { fn(); });
  }

  function restore() {
    log.setAttribute("aria-live", "off");  /* the old transcript is not read out again */
    var lastBot = -1;
    state.log.forEach(function (item, i) { if (item.who === "bot") { lastBot = i; } });
    state.log.forEach(function (item, i) { render(item, i === lastBot); });
    window.setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
  }

  /* ------------------------------------------------------------- sending */

  function send(text, shown, quiet) {
    var item = { id: random(16), text: text, quiet: !!quiet };
    state.pending.push(item);
    if (!quiet) {
      var mine = { who: "me", text: shown || text, id: item.id, pending: true };
      remember(mine);
      render(mine, false);
    }
    save();
    flush();
  }

  function delivered(item) {
    state.pending = state.pending.filter(function (p) { return p.id !== item.id; });
    state.log.forEach(function (m) { if (m.id === item.id) { delete m.pending; } });
    var el = log.querySelector('[data-id="' + item.id + '"]');
    if (el) { el.className = "msg me"; }
    save();
  }

  function flush() {
    if (flushing || !ticket || !state.pending.length) { return; }
    flushing = true;
    var item = state.pending[0];
    say(S.sending);
    api("api/send", { ticket: ticket, id: item.id, text: item.text }).then(function () {
      flushing = false;
      say("");
      delivered(item);
      flush();
    }, function (err) {
      flushing = false;
      if (err.status === 401) { ticket = null; openSession(); return; }
      if (err.code === "network" || err.status === 429 || err.status === 503 || err.status >= 500) {
        say(errorText(err), true);
        window.setTimeout(flush, Math.max(1000, (err.retryAfter || 0) * 1000));
        return;
      }
      say(errorText(err), true);  /* refused for good (too long, malformed): not sent again */
      state.pending.shift();
      state.log = state.log.filter(function (m) { return m.id !== item.id; });
      var gone = log.querySelector('[data-id="' + item.id + '"]');
      if (gone) { gone.parentNode.removeChild(gone); }
      save();
      flush();
    });
  }

  /* ------------------------------------------------------------- receiving */

  function connect() {
    if (source) { source.close(); }
    source = new EventSource("api/stream?t=" + encodeURIComponent(ticket) + "&after=" + state.lastSeq);
    source.onopen = function () {
      retryDelay = 1000;
      if (statusEl.textContent === S.offline) { say(S.reconnected); }
    };
    source.onmessage = function (e) {
      var seq = parseInt(e.lastEventId, 10);
      if (!(seq > state.lastSeq)) { return; }
      state.lastSeq = seq;
      addBot(JSON.parse(e.data));
      save();
    };
    source.addEventListener("reset", function () { state.lastSeq = 0; save(); });
    source.onerror = function () {
      say(S.offline);
      if (source.readyState === EventSource.CLOSED) {  /* refused: a new ticket, then again */
        source.close();
        source = null;
        ticket = null;
        window.setTimeout(openSession, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    };
  }

  function openSession() {
    api("api/session", { secret: state.secret, lang: pageLang }).then(function (data) {
      ticket = data.ticket;
      if (state.lang && state.lang !== pageLang) {
        send("!language " + pageLang, null, true);  /* the reader picked another language */
      }
      state.lang = pageLang;
      save();
      connect();
      flush();
    }, function (err) {
      say(errorText(err), true);
      window.setTimeout(openSession, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  /* ------------------------------------------------------------- the controls */

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-send]"), function (btn) {
    btn.addEventListener("click", function () {
      send(btn.getAttribute("data-send"), btn.textContent);
      input.focus();
    });
  });
  document.getElementById("tb-verify").addEventListener("submit", function (e) {
    e.preventDefault();
    var box = document.getElementById("tb-verify-text");
    var text = box.value.trim();
    if (!text) { return; }
    box.value = "";
    send("!äkta " + text, S.verify_prefix + "\n" + text);
  });
  var confirmBox = document.getElementById("tb-forget-confirm");
  var forgetBtn = document.getElementById("tb-forget");
  forgetBtn.addEventListener("click", function () {
    confirmBox.hidden = false;
    document.getElementById("tb-forget-no").focus();
  });
  document.getElementById("tb-forget-no").addEventListener("click", function () {
    confirmBox.hidden = true;
    forgetBtn.focus();
  });
  document.getElementById("tb-forget-yes").addEventListener("click", function () {
    confirmBox.hidden = true;
    var oldTicket = ticket;
    afterReply.push(function () {  /* the bot has forgotten; now the page and its replies */
      api("api/forget", { ticket: oldTicket }).catch(function () {}).then(function () {
        if (source) { source.close(); source = null; }
        try { window.localStorage.removeItem(KEY); } catch (e) { /* nothing was kept */ }
        state = fresh();
        state.lang = pageLang;
        save();
        while (log.firstChild) { log.removeChild(log.firstChild); }
        say(S.forgotten);
        ticket = null;
        openSession();
        forgetBtn.focus();
      });
    });
    send("!glöm ja", document.getElementById("tb-forget-yes").textContent);
  });

  ["tb-chat", "tb-verify-box", "tb-forget-box"].forEach(function (id) {
    document.getElementById(id).hidden = false;
  });
  restore();
  openSession();
}());
