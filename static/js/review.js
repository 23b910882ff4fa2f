// A double tap on "Nộp bài" sends one submit (the server also counts a retry once).
// Answers still queued on this phone (given offline, the page left at the deadline) go
// back to the attempt page, which sends them and comes back here: a submit never goes
// out before them. The prediction and the essay typed here are autosaved as they are
// typed (autosave.js): if the time runs out while the resident is still typing, the
// attempt is finished with what reached the server.
(function () {
  var form = document.getElementById("submit-form");
  if (!form) return;
  var fields = {
    prediction: document.getElementById("prediction"),
    essay: document.getElementById("essay")
  };
  var autosave = window.AutosaveQueue({
    attempt: form.dataset.attempt, url: form.dataset.answerUrl, loginUrl: form.dataset.loginUrl,
    state: document.getElementById("save-state"),
    baseOf: function (key) { return fields[key] ? Number(fields[key].dataset.seq || 0) : 0; },
    saved: function (key, data) { if (fields[key]) fields[key].dataset.seq = data.seq; },
    stale: function (key, data) {
      if (!fields[key]) return;
      fields[key].dataset.seq = data.seq;
      if (key === "essay" && fields.essay.value !== data.answer) {
        // Another tab or device saved an essay this page did not know of. The box is what
        // the resident is writing here, now: it is sent again over that one, never dropped.
        autosave.queue("essay", fields.essay.value);
        return true;
      }
      fields[key].value = last[key] = data.answer;
      return false;
    },
    finished: function () { autosave.drop(); }
  });
  var queued = autosave.load();
  if (Object.keys(queued).some(function (key) { return !(key in fields); })) {
    window.location.replace(form.dataset.attemptUrl);
    return;
  }
  var last = {};  // per box, the value last queued or shown as stored: sent only when it differs
  Object.keys(fields).forEach(function (key) {
    var field = fields[key];
    if (!field) return;
    if (queued[key]) field.value = queued[key].answer;  // typed here, not sent yet
    var valueOf = function () { return key === "essay" ? field.value : field.value.trim(); };
    last[key] = valueOf();
    // Saved a short pause after the last key, or on leaving the box.
    var typing = null;
    var send = function () {
      clearTimeout(typing);
      var value = valueOf();
      if (value === last[key]) return;
      last[key] = value;
      autosave.queue(key, value);
    };
    field.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(send, key === "essay" ? 1000 : 600);
    });
    field.addEventListener("change", send);
  });
  if (Object.keys(queued).length) autosave.flush();
  form.addEventListener("submit", function () {
    // What this page knows of the essay stored: the server refuses a submit that would
    // replace, with this box, an essay saved meanwhile from another tab or device.
    var base = document.getElementById("essay-base");
    if (!base || !fields.essay) return;
    base.value = fields.essay.dataset.seq || "0";
    var pending = autosave.load().essay;
    document.getElementById("essay-prior").value =
      pending ? (pending.prior || []).concat([pending.seq]).join(",") : "";
  });
  // The deadline and the grace, counted on this phone's clock from the server's figures at
  // loading (a page left open across the deadline shows the grace when it comes; a paused
  // tab or a locked screen does not make it lag: each tick reads the clock again).
  var box = document.getElementById("grace");
  if (box) {
    var loaded = Date.now();
    var deadline = loaded + 1000 * (parseInt(box.dataset.toDeadline, 10) || 0);
    var over = deadline + 1000 * (parseInt(box.dataset.grace, 10) || 0);
    var on = document.getElementById("grace-on"), done = document.getElementById("grace-over");
    var left = document.getElementById("grace-left");
    var t = window.ngettext || function (one, many, k) { return k === 1 ? one : many; };
    var tick = function () {
      var now = Date.now();
      if (now < deadline) { setTimeout(tick, Math.min(1000, deadline - now)); return; }
      box.hidden = false;
      var seconds = Math.ceil((over - now) / 1000);
      if (seconds > 0) {
        on.hidden = false; done.hidden = true;
        left.textContent = t("Còn %s giây để bấm “Nộp bài”.", "Còn %s giây để bấm “Nộp bài”.", seconds).replace("%s", seconds);
        setTimeout(tick, (over - now) % 1000 || 1000);  // when the second shown changes
      } else {
        on.hidden = true; done.hidden = false;
        document.getElementById("submit-button").disabled = true;
        // The server takes nothing more: the boxes are closed, and the status says whether
        // something typed last never reached it (offline), instead of "all saved".
        var unsent = Object.keys(autosave.load()).length;
        autosave.drop();
        Object.keys(fields).forEach(function (key) { if (fields[key]) fields[key].readOnly = true; });
        // Nothing on the page says otherwise any more: no "saved as you type" under the
        // closed boxes, no focus ring on the one typed in, no links back to the questions;
        // the way on is the receipt (the attempt page finishes the attempt and shows it).
        if (document.activeElement && form.contains(document.activeElement)) document.activeElement.blur();
        form.querySelectorAll(".help").forEach(function (help) { help.hidden = true; });
        var unanswered = document.getElementById("unanswered");
        if (unanswered) unanswered.hidden = true;
        form.querySelectorAll(".req").forEach(function (mark) { mark.hidden = true; });
        var back = document.getElementById("back-to-attempt");
        if (back) {
          back.textContent = (window.gettext || String)("Kết thúc và xem biên nhận ›");
          back.addEventListener("click", function (event) {
            if (navigator.onLine !== false) return;
            // Offline, the link would open the browser's own error page: stay, and say so.
            event.preventDefault();
            autosave.say((window.gettext || String)("Mất kết nối. Khi có mạng lại, bấm “Kết thúc và xem biên nhận”."), "error");
          });
        }
        autosave.say(unsent
          ? (window.gettext || String)("Hết thời gian nộp: phần gõ sau cùng chưa gửi được vì mất kết nối.")
          : (window.gettext || String)("Hết thời gian nộp: không sửa được nữa."), "error");
      }
    };
    tick();
  }
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = (window.gettext || String)("Đang nộp…"); }, 0);
  });
})();
