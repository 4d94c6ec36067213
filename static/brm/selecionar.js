/* A field marked data-selecionar-ao-focar (a key or secret shown once) selects its whole value when focused, so
   it is copied in one go. Loaded as a file: the pages' Content-Security-Policy refuses inline handlers. */
(function () {
  "use strict";

  document.querySelectorAll("[data-selecionar-ao-focar]").forEach(function (campo) {
    campo.addEventListener("focus", function () {
      campo.select();
    });
  });
})();
