// Live preview of a question as a participant sees it on a phone.
(function () {
  var form = document.getElementById("question-form");
  var preview = document.getElementById("preview");
  if (!form || !preview) return;
  var letters = "abcdef";
  function render() {
    preview.querySelector("[data-preview=text]").textContent = form.elements.text.value || "…";
    var list = preview.querySelector("[data-preview=options]");
    list.textContent = "";
    var several = form.elements.kind.value === "multiple";
    for (var i = 0; i < letters.length; i++) {
      var field = form.elements["option_" + letters[i]];
      if (!field || !field.value.trim()) continue;
      var item = document.createElement("li");
      var mark = document.createElement("span");
      mark.className = several ? "mark square" : "mark";
      mark.textContent = letters[i].toUpperCase();
      item.appendChild(mark);
      item.appendChild(document.createTextNode(" " + field.value));
      list.appendChild(item);
    }
  }
  form.addEventListener("input", render);
  form.addEventListener("change", render);
  var topic = form.elements.topic;
  if (topic) topic.setAttribute("list", "topic-list");
  render();
})();
