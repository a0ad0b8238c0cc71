// Starts Swagger UI on this service's own document. It lives in a file rather than an
// inline <script> so that a Content-Security-Policy can forbid inline scripts, and it
// turns off Swagger UI's online validator, which would call validator.swagger.io.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
