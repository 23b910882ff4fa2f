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
  // Past the deadline: the seconds of grace left, counted down from the server's figure.
  var grace = document.getElementById("grace-left");
  if (grace) {
    var left = parseInt(grace.dataset.seconds, 10) || 0;
    var t = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
    var tick = function () {
      grace.textContent = left > 0
        ? t("Còn %s giây để bấm “Nộp bài”.", "Còn %s giây để bấm “Nộp bài”.", left).replace("%s", left)
        : (window.gettext || String)("Hết thời gian nộp. Bài đã được nộp với các câu trả lời đã lưu.");
      if (left > 0) { left -= 1; setTimeout(tick, 1000); }
    };
    tick();
  }
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = (window.gettext || String)("Đang nộp…"); }, 0);
  });
})();
