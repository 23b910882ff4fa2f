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

// A table wider than the screen scrolls sideways: keyboard users must reach it too
// (WCAG 2.1.1). Such a wrapper becomes a focusable, labelled region.
(function () {
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var node = wrap.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) node = node.previousElementSibling;
    return node ? node.textContent.trim() : (window.gettext || String)("Bảng");
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.hasAttribute("tabindex") || wrap.scrollWidth <= wrap.clientWidth) return;
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
        wrap.setAttribute("aria-label", label(wrap));
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
  window.addEventListener("resize", mark);
})();
