// Live figures and ceremony reveals over a websocket; if the socket cannot be used,
// the page polls a JSON endpoint instead. Nothing on the page depends on the socket.
(function () {
  var root = document.querySelector("[data-live-ws]");
  if (!root) return;
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var wsUrl = scheme + location.host + root.dataset.liveWs;
  var pollUrl = root.dataset.livePoll;
  var pollTimer = null, retry = 1000, socket = null;

  function setField(name, value) {
    document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value;
    });
  }
  function units(byUnit) {
    var body = document.getElementById("live-units");
    if (!body || !byUnit) return;
    body.textContent = "";
    Object.keys(byUnit).sort(function (a, b) { return byUnit[b] - byUnit[a]; }).forEach(function (name) {
      var tr = document.createElement("tr");
      var td1 = document.createElement("td"), td2 = document.createElement("td");
      td1.textContent = name; td2.textContent = byUnit[name];
      tr.appendChild(td1); tr.appendChild(td2); body.appendChild(tr);
    });
  }
  function reveal(item) {
    var list = document.getElementById("reveals");
    if (!list || list.querySelector('[data-index="' + item.index + '"]')) return;
    var li = document.createElement("li");
    li.dataset.index = item.index;
    li.className = "reveal";
    var prize = document.createElement("span"); prize.className = "badge"; prize.textContent = item.prize;
    var name = document.createElement("strong"); name.textContent = " " + item.full_name;
    var more = document.createElement("span"); more.className = "small";
    var points = (window.gettext || String)("%(score)s/%(max)s điểm");
    if (item.max_score === null || item.max_score === undefined) points = (window.gettext || String)("%(score)s điểm");
    points = points.replace("%(score)s", item.score).replace("%(max)s", item.max_score);
    more.textContent = " " + (item.unit || "") + (item.score !== null ? " · " + points : "");
    li.appendChild(prize); li.appendChild(name); li.appendChild(more);
    list.insertBefore(li, list.firstChild);
    var empty = document.getElementById("reveals-empty");
    if (empty) empty.remove();
  }
  function apply(msg) {
    if (msg.type === "stats" || msg.type === "dashboard") {
      ["participants", "entries", "online", "paper", "in_progress"].forEach(function (k) {
        if (msg[k] !== undefined) setField(k, msg[k]);
      });
      if (msg.paper_queue) Object.keys(msg.paper_queue).forEach(function (k) { setField("paper_" + k, msg.paper_queue[k]); });
      if (msg.per_minute) setField("last_minute", msg.per_minute.length ? msg.per_minute[msg.per_minute.length - 1][1] : 0);
      units(msg.by_unit);
      root.dataset.updated = msg.server_time || "";
    } else if (msg.type === "reveal" && msg.ended) {
      // The ceremony is over: the page shows the whole list of winners again.
      if (document.getElementById("reveals")) window.location.reload();
    } else if (msg.type === "reveal") {
      reveal(msg);
    }
    (msg.reveals || []).forEach(reveal);
  }
  function poll() {
    fetch(pollUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(apply).catch(function () {});
  }
  function startPolling() {
    if (pollTimer || !pollUrl) return;
    root.dataset.mode = "polling";
    poll();
    pollTimer = setInterval(poll, 10000);
  }
  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    try { socket = new WebSocket(wsUrl); } catch (e) { startPolling(); return; }
    socket.onopen = function () {
      retry = 1000;
      root.dataset.mode = "live";
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    };
    socket.onmessage = function (event) {
      try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    socket.onclose = function () {
      startPolling();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }
  connect();
})();
