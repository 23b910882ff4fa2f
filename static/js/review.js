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
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = (window.gettext || String)("Đang nộp…"); }, 0);
  });
})();
