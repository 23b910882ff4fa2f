// Text-size switch (A− A A+), remembered on this device.
(function () {
  var root = document.documentElement;
  var sizes = ["ts-1", "", "ts1", "ts2"];
  function apply(level) {
    sizes.forEach(function (c) { if (c) root.classList.remove(c); });
    var cls = sizes[level + 1];
    if (cls) root.classList.add(cls);
  }
  var level = parseInt(localStorage.getItem("textsize") || "0", 10);
  if (isNaN(level) || level < -1 || level > 2) level = 0;
  apply(level);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-textsize]");
    if (!button) return;
    var step = parseInt(button.getAttribute("data-textsize"), 10);
    level = step === 0 ? 0 : Math.max(-1, Math.min(2, level + step));
    localStorage.setItem("textsize", String(level));
    apply(level);
  });
})();
