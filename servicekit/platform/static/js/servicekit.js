// ServiceKit's glue for htmx: send the CSRF token from the page's meta tag with every
// htmx request (body hx-headers covers it too; this keeps fragments loaded later covered).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
  }
});
