// Sends the upload form with a progress bar; without this script the form posts the ordinary way.
"use strict";
(function () {
  function bind(form) {
    if (!form || !window.XMLHttpRequest || !window.FormData) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      var bar = document.getElementById("progress");
      var status = document.getElementById("status");
      function fail(message) {
        button.disabled = false;
        bar.hidden = true;
        status.className = "status error";
        status.textContent = message;
      }
      button.disabled = true;
      bar.hidden = false;
      bar.value = 0;
      status.className = "status";
      status.textContent = "Uploading…";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.responseType = "document";
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        // The answer is the page as it now stands: the success message, or why the file was refused.
        var next = xhr.response && xhr.response.querySelector("main");
        if (!next) return fail("Something went wrong. Please try again.");
        document.querySelector("main").replaceWith(next);
        var shown = document.getElementById("status");
        if (shown) shown.focus();
        bind(document.getElementById("upload"));
      };
      xhr.onerror = function () { fail("The upload did not go through. Check your connection and try again."); };
      xhr.send(new FormData(form));
    });
  }
  bind(document.getElementById("upload"));
})();
