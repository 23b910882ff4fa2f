// Clerk keying: a live grid of the typed answers, checked against the sheet's questions,
// and the cursor back on "Số phiếu" after each saved sheet.
(function () {
  var t = window.gettext || function (text) { return text; };
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, key) { return values[key]; });
  }
  var box = document.getElementById("answer-preview");
  var input = document.getElementById("id_answers");
  if (!box || !input) return;
  var versions = JSON.parse(box.dataset.versions || "[]");
  var grid = document.getElementById("answer-grid");
  var status = document.getElementById("answer-status");
  var LETTERS = "ABCDEF";
  var field = input.closest(".field");
  if (field) field.after(box);  // the grid right under the answers, where the eyes are

  function groups(text) {
    text = text.trim().toUpperCase();
    if (!text) return [];
    return /\s/.test(text) ? text.split(/\s+/) : text.split("");
  }
  function render() {
    var typed = groups(input.value);
    grid.textContent = "";
    var problems = [];
    versions.forEach(function (v, i) {
      var li = document.createElement("li");
      var mark = typed[i];
      var allowed = LETTERS.slice(0, v.options);
      var cls = "";
      if (mark === undefined) { mark = "?"; cls = "missing"; }
      else if (mark === "-") { cls = "blank"; }
      else if (mark === "*") { cls = "multi"; }
      else {
        for (var k = 0; k < mark.length; k++) {
          if (allowed.indexOf(mark[k]) < 0) { cls = "bad"; problems.push(fmt(t("câu %(n)s: không có %(mark)s"), { n: i + 1, mark: mark[k] })); break; }
        }
        if (!cls && mark.length > 1 && !v.multiple) { cls = "bad"; problems.push(fmt(t("câu %(n)s chỉ một đáp án"), { n: i + 1 })); }
      }
      li.className = cls;
      li.innerHTML = "<span>" + (i + 1) + (v.multiple ? "*" : "") + "</span><b></b>";
      li.querySelector("b").textContent = mark;
      grid.appendChild(li);
    });
    if (typed.length < versions.length) problems.unshift(fmt(t("thiếu %(n)s câu"), { n: versions.length - typed.length }));
    if (typed.length > versions.length) problems.unshift(fmt(t("thừa %(n)s câu"), { n: typed.length - versions.length }));
    status.textContent = fmt(t("%(typed)s/%(total)s câu"), { typed: typed.length, total: versions.length }) + (problems.length ? " — " + problems.join("; ") : " ✓");
    status.className = "small " + (problems.length ? "error" : "ok");
  }
  input.addEventListener("input", function () {
    var start = input.selectionStart;
    input.value = input.value.toUpperCase();
    input.setSelectionRange(start, start);
    render();
  });
  render();
  var firstError = document.querySelector(".has-error input, .has-error select");
  var sheet = document.getElementById("id_sheet_no");
  if (firstError) firstError.focus();
  else if (sheet && !sheet.value) sheet.focus();
})();
