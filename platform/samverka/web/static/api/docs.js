// Starts Swagger UI on /api/v1/docs. A file of its own, not an inline script, so that a
// Content-Security-Policy without 'unsafe-inline' allows it.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
  });
})();
