// A double tap on "Nộp bài" sends one submit (the server also counts a retry once).
// Answers still queued on this phone (given offline, the page left at the deadline) go
// back to the attempt page, which sends them and comes back here: a submit never goes
// out before them.
(function () {
  var form = document.getElementById("submit-form");
  if (!form) return;
  var queued = {};
  try {
    queued = JSON.parse(localStorage.getItem("cuocthi:pending:" + form.dataset.attempt) || "{}");
  } catch (e) { /* private mode: nothing queued */ }
  if (Object.keys(queued).length) {
    window.location.replace(form.dataset.attemptUrl);
    return;
  }
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
      }
    };
    tick();
  }
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = (window.gettext || String)("Đang nộp…"); }, 0);
  });
})();
