// Polls a background job until it is done, then reloads to show its result.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("job-progress").value = job.percent;
        document.getElementById("job-percent").textContent = job.percent;
        // Both words come translated from the server, as the page first showed them.
        document.getElementById("job-message").textContent =
          job.status_label + (job.message ? " — " + job.message : "");
        if (job.status === "done" || job.status === "failed") window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
