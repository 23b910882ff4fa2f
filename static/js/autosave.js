// The autosave queue of one attempt, shared by the attempt page and the review page.
// Every change is kept on the phone (localStorage, under the attempt's id) until the server
// has it: a reload, a dropped connection or a closed tab loses nothing. Changes go one at a
// time; a retry repeats the change's id, and the server orders the writes
// (contest/online/answers.py). Queue keys: a question's position, "prediction", "essay".
//
// AutosaveQueue({attempt, url, loginUrl, state, baseOf(key), saved(key, data),
//                stale(key, data), finished(data)})
// state: the element that shows how saving goes (what a screen reader hears is #save-spoken);
// saved: the server stored it (200); stale: a newer value is stored (409, data holds it;
// true when the page dealt with it, else the server's message is shown); finished: the
// attempt takes no more answers (410).
window.AutosaveQueue = function (options) {
  var t = window.gettext || function (text) { return text; };
  var storeKey = "cuocthi:pending:" + options.attempt;
  var flushing = false;
  var stopped = false;
  var lastKey = 0;

  // A screen reader hears a problem and the recovery from it, not each "Đang lưu…" and
  // "Đã lưu" (it spoke after every pause in typing): the visible line is not a live region,
  // the #save-spoken one beside it is.
  var spoken = document.getElementById("save-spoken");
  var spokenKind = "ok";
  function speak(text, kind) {
    if (!spoken || !kind || (kind === "ok" && spokenKind === "ok")) return;
    spokenKind = kind;
    if (spoken.textContent !== text) spoken.textContent = text;
  }
  function say(text, kind, link) {
    speak(text, kind);
    var state = options.state;
    state.textContent = text;
    state.classList.remove("ok", "warn", "error");
    if (kind) state.classList.add(kind);
    if (link) {
      // (a tab of its own: this page keeps its queue and sends it once signed in)
      var a = document.createElement("a");
      a.href = link.href;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = link.text;
      state.appendChild(document.createTextNode(" "));
      state.appendChild(a);
    }
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function store(pending) {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode */ }
  }
  function newKey() {
    // An id for the change (a retry repeats it), never an order: the server orders.
    lastKey = Math.max(Date.now(), lastKey + 1);
    return lastKey;
  }
  function bodyOf(key, item) {
    var body = { seq: item.seq, base: item.base, prior: item.prior || [] };
    if (key === "prediction") body.prediction = item.answer;
    else if (key === "essay") body.essay = item.answer;
    else { body.position = Number(key); body.answer = item.answer; }
    return body;
  }

  function flush() {
    if (flushing || stopped) return;
    var queue = load();
    var keys = Object.keys(queue);
    if (!keys.length) { say(t("Đã lưu tất cả câu trả lời"), "ok"); return; }
    flushing = true;
    say(t("Đang lưu…"), "");
    var key = keys[0];
    var item = queue[key];
    fetch(options.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(bodyOf(key, item))
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") < 0) {
        // Not the autosave's answer: the sign-in page (signed out in another tab, the
        // session ended) or a refused security check. The answer stays queued.
        return { status: "signed-out" };
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      flushing = false;
      var now = load();
      if (result.status === "signed-out") {
        say(t("Bạn đã bị đăng xuất. Câu trả lời được giữ trên máy và sẽ tự gửi sau khi bạn đăng nhập."), "error",
            { href: options.loginUrl, text: t("Đăng nhập lại") });
        setTimeout(flush, 5000);
      } else if (result.status === 200 || result.status === 400) {
        // Saved, or refused for good (a bad answer): either way not to be sent again.
        if (now[key] && now[key].seq === item.seq) delete now[key];
        else if (now[key] && result.status === 200) now[key].base = result.data.seq;
        store(now);
        if (result.status === 200) options.saved(key, result.data);
        if (result.status === 400) {
          // The refusal stays on screen (a next save would say "all saved" over it).
          say(result.data.error, "error");
          if (Object.keys(now).length) setTimeout(flush, 1500);
        } else {
          flush();
        }
      } else if (result.status === 409) {
        // Stale: a newer answer is stored (another device or tab). Show it; drop what this
        // page queued on top of the old state.
        delete now[key];
        store(now);
        if (!options.stale(key, result.data)) say(result.data.error, "warn");
        if (Object.keys(now).length) setTimeout(flush, 1500);
      } else if (result.status === 410) {
        stopped = true;
        say(result.data.error, "error");
        options.finished(result.data);
      } else {
        say(t("Máy chủ bận. Câu trả lời được giữ trên máy và sẽ gửi lại."), "warn");
        setTimeout(flush, 3000);
      }
    }).catch(function () {
      flushing = false;
      say(t("Mất kết nối. Câu trả lời được giữ trên máy và sẽ tự gửi lại khi có mạng."), "warn");
      setTimeout(flush, 5000);
    });
  }

  // Queue ``answer`` as the new value of ``key`` and send it.
  function queue(key, answer) {
    var pending = load();
    var earlier = pending[key];  // not confirmed yet: the server may hold it already
    pending[key] = {
      answer: answer, seq: newKey(),
      base: earlier ? earlier.base : options.baseOf(key),
      prior: earlier ? (earlier.prior || []).concat([earlier.seq]).slice(-20) : []
    };
    store(pending);
    flush();
  }

  window.addEventListener("online", flush);
  return {
    load: load,
    queue: queue,
    say: say,
    flush: flush,
    // Send nothing more (the attempt is over); ``drop`` also forgets what is queued.
    stop: function () { stopped = true; },
    drop: function () { stopped = true; store({}); }
  };
};
