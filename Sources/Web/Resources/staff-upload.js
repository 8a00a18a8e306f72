// The workspace's upload forms with a progress bar. Without this script the forms post as
// they are and the browser shows the review page when the server has read the file.
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) { return; }
  document.querySelectorAll('form.upload').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var bar = document.getElementById(form.getAttribute('data-progress'));
      var status = form.querySelector('.upload-status');
      var button = form.querySelector('button[type=submit]');
      if (button) { button.disabled = true; }
      if (bar) { bar.hidden = false; bar.value = 0; }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable && bar) { bar.value = Math.round(e.loaded * 100 / e.total); }
      });
      xhr.upload.addEventListener('load', function () {
        if (bar) { bar.value = 100; }
        if (status) { status.textContent = status.getAttribute('data-processing'); }
      });
      xhr.addEventListener('load', function () {
        // The server answers 303 to the review page, which the request has followed.
        if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener('error', function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  });
})();
