// The server's clock, corrected for network latency: countdowns never trust the phone's clock.
// ServerClock.now() returns milliseconds on the server's time line.
(function () {
  var offset = 0; // server time minus phone time, in ms
  var listeners = [];
  function sync(url) {
    var sent = Date.now();
    return fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var received = Date.now();
        // The server read its clock about halfway through the round trip.
        offset = Date.parse(data.now) - (sent + received) / 2;
        listeners.forEach(function (fn) { fn(); });
      })
      .catch(function () { /* keep the previous offset */ });
  }
  function interpolateDays(text, d) { return text.replace("%s", d); }
  window.ServerClock = {
    init: function (serverNowIso, url) {
      // First estimate from the page itself, then refine over the network.
      if (serverNowIso) offset = Date.parse(serverNowIso) - Date.now();
      if (url) {
        sync(url);
        setInterval(function () { sync(url); }, 60000);
      }
    },
    now: function () { return Date.now() + offset; },
    onSync: function (fn) { listeners.push(fn); },
    format: function (ms) {
      if (ms < 0) ms = 0;
      var s = Math.floor(ms / 1000), d = Math.floor(s / 86400);
      var h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      var clock = (h ? h + ":" + pad(m) : m) + ":" + pad(r);
      var t = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
      return d ? interpolateDays(t("%s ngày", "%s ngày", d), d) + " " + clock : clock;
    }
  };
})();
