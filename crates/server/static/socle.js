// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // "Copy" buttons next to code snippets (curl examples, embed snippets).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var previous = button.textContent;
        button.textContent = "Copié";
        setTimeout(function () { button.textContent = previous; }, 2000);
      });
    });
  });
})();
