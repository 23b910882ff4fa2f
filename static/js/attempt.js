// The attempt page: autosave with a retry queue that survives reloads and dropped
// connections (autosave.js), a countdown on the server's clock, and one question per
// screen on phones. The prediction is queued and sent like an answer (queue key "prediction").
// Messages come from Django's JavaScript catalog (gettext), Vietnamese by default.
(function () {
  var t = window.gettext || function (text) { return text; };
  var root = document.getElementById("attempt");
  if (!root) return;
  var form = document.getElementById("answers");
  var timer = document.getElementById("timer");
  var deadline = Date.parse(root.dataset.deadline);
  // The server still takes answers sent before the deadline until the grace ends.
  var acceptsUntil = Date.parse(root.dataset.acceptsUntil || root.dataset.deadline);

  var predictionInput = document.getElementById("prediction");
  function answerOf(position) {
    if (position === "prediction") return predictionInput ? predictionInput.value.trim() : "";
    var inputs = form.querySelectorAll('input[name="q-' + position + '"]');
    var letters = "";
    inputs.forEach(function (i) { if (i.checked) letters += i.value; });
    return letters.split("").sort().join("");
  }
  function markMap(position, answered) {
    var link = document.querySelector('.qmap [data-position="' + position + '"]');
    if (link) link.classList.toggle("done", answered);
  }

  // The page shows what the server had when it rendered; data-seq is the server's order
  // of each stored answer. A change still queued on this phone wins on a reload; an
  // answer confirmed while the page was reloading wins when its order is newer.
  var savedKey = "cuocthi:saved:" + root.dataset.attempt;
  function loadSaved() {
    try { return JSON.parse(sessionStorage.getItem(savedKey) || "{}"); } catch (e) { return {}; }
  }
  function remember(position, item) {
    var saved = loadSaved();
    saved[position] = item;
    try { sessionStorage.setItem(savedKey, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  function display(position, answer) {
    var fieldset = document.getElementById("q-" + position);
    if (!fieldset) return;
    if (position === "prediction") {
      if (predictionInput) predictionInput.value = answer;
      markMap(position, !!answer);
      return;
    }
    fieldset.querySelectorAll('input[name="q-' + position + '"]').forEach(function (i) {
      i.checked = answer.indexOf(i.value) >= 0;
    });
    markMap(position, !!answer);
  }
  function confirmSaved(position, data) {
    // What the server says is stored (a 200, or a 409 for a stale write).
    var fieldset = document.getElementById("q-" + position);
    if (fieldset) fieldset.dataset.seq = data.seq;
    remember(position, { answer: data.answer, seq: data.seq });
  }
  function baseOf(position) {
    var fieldset = document.getElementById("q-" + position);
    return fieldset ? Number(fieldset.dataset.seq || 0) : 0;
  }
  var confirmed = loadSaved();
  Object.keys(confirmed).forEach(function (position) {
    if (confirmed[position].seq > baseOf(position)) {
      display(position, confirmed[position].answer);
      document.getElementById("q-" + position).dataset.seq = confirmed[position].seq;
    }
  });
  var autosave = window.AutosaveQueue({
    attempt: root.dataset.attempt, url: root.dataset.answerUrl, loginUrl: root.dataset.loginUrl,
    state: document.getElementById("save-state"), baseOf: baseOf, saved: confirmSaved,
    stale: function (position, data) {
      confirmSaved(position, data);
      display(position, data.answer);
    },
    finished: function () { window.location.href = root.dataset.reviewUrl; }
  });
  var say = autosave.say;
  var pending = autosave.load();
  Object.keys(pending).forEach(function (position) { display(position, pending[position].answer); });

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  function queueAnswer(position) {
    var answer = answerOf(position);
    autosave.queue(position, answer);
    markMap(position, !!answer);
  }
  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset");
    if (!fieldset || fieldset.dataset.position === "prediction") return;
    queueAnswer(fieldset.dataset.position);
  });
  if (predictionInput) {
    // Saved as it is typed: a short pause after the last key, or leaving the field.
    var typing = null;
    predictionInput.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(function () { queueAnswer("prediction"); }, 600);
    });
    predictionInput.addEventListener("change", function () {
      clearTimeout(typing);
      queueAnswer("prediction");
    });
  }
  document.getElementById("to-review").addEventListener("click", function (event) {
    if (Object.keys(autosave.load()).length) {
      event.preventDefault();
      say(t("Đang gửi nốt câu trả lời, vui lòng chờ…"), "warn");
      autosave.flush();
      var wait = setInterval(function () {
        if (!Object.keys(autosave.load()).length) { clearInterval(wait); window.location.href = root.dataset.reviewUrl; }
      }, 300);
    }
  });
  autosave.flush();

  // Countdown on the server's clock.
  ServerClock.init(root.dataset.serverNow, root.dataset.timeUrl);
  function tick() {
    var left = deadline - ServerClock.now();
    timer.textContent = ServerClock.format(left);
    timer.parentNode.classList.toggle("low", left < 5 * 60 * 1000);
    if (left <= 0) {
      timer.textContent = t("Hết giờ");
      // Nothing more can be answered; what was given in time is still sent.
      form.querySelectorAll("input, textarea, select").forEach(function (i) { i.disabled = true; });
      autosave.flush();
      // To the review page once every answer given in time has reached the server; while
      // some are still queued (offline at the deadline), keep sending them through the
      // grace, and leave only when it is over.
      var go = function () { window.location.href = root.dataset.reviewUrl; };
      var leave = function () {
        var queued = Object.keys(autosave.load()).length;
        if (!queued) { go(); return; }
        if (ServerClock.now() > acceptsUntil) {
          // The server takes no answer now: say how many never reached it, and leave
          // once there is a connection to leave with (offline, the browser shows its
          // own error page instead).
          autosave.drop();
          var text = t("Hết thời gian nộp: %(n)s câu trả lời chưa gửi được vì mất kết nối.");
          say(window.interpolate ? window.interpolate(text, { n: queued }, true) : text, "error");
          if (navigator.onLine) setTimeout(go, 5000);
          else window.addEventListener("online", function () { setTimeout(go, 1000); });
          return;
        }
        autosave.flush();
        setTimeout(leave, 1000);
      };
      setTimeout(leave, 2000);
      return;
    }
    setTimeout(tick, 500);
  }
  tick();

  // One question per screen on phones, all questions on wide screens.
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var narrow = window.matchMedia("(max-width: 47.99rem)");
  var current = 0;
  var skip = document.getElementById("skip-current");
  questions.forEach(function (q, i) { if ("#" + q.id === location.hash) current = i; });
  function show(index, focus) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (q, i) { q.hidden = narrow.matches && i !== current; });
    document.querySelectorAll(".qmap a").forEach(function (a, i) {
      if (i === current && narrow.matches) a.setAttribute("aria-current", "step");
      else a.removeAttribute("aria-current");
    });
    if (skip) skip.setAttribute("href", "#" + questions[current].id);
    // The button just pressed may now be hidden: keep the keyboard on the new question.
    if (focus) questions[current].querySelector(".q-heading").focus();
  }
  root.classList.add("js");
  form.addEventListener("click", function (event) {
    var step = event.target.closest("[data-step]");
    if (step) { show(current + Number(step.dataset.step), true); }
  });
  document.querySelector(".qmap").addEventListener("click", function (event) {
    var link = event.target.closest("[data-goto]");
    if (!link) return;
    event.preventDefault();
    show(Number(link.dataset.goto) - 1, true);
  });
  if (skip) {
    skip.addEventListener("click", function (event) {
      event.preventDefault();
      show(current, true);
    });
  }
  narrow.addEventListener("change", function () { show(current); });
  show(current);
})();
