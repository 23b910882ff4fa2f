// Countdown to a contest's opening or close, on the server's clock.
(function () {
  var el = document.querySelector("[data-countdown]");
  if (!el || !window.ServerClock) return;
  ServerClock.init(el.dataset.serverNow, el.dataset.timeUrl);
  var target = Date.parse(el.dataset.countdown);
  function tick() {
    var left = target - ServerClock.now();
    el.textContent = left > 0 ? el.dataset.label + " " + ServerClock.format(left) : "";
    if (left <= 0) { window.location.reload(); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
