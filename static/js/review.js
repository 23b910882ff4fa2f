// A double tap on "Nộp bài" sends one submit (the server also counts a retry once).
(function () {
  var form = document.getElementById("submit-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-button");
    setTimeout(function () { button.disabled = true; button.textContent = (window.gettext || String)("Đang nộp…"); }, 0);
  });
})();
