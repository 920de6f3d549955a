// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof Element)) return;
    if (t.closest("[data-refresh-captcha]") || t.matches("img[data-refresh]")) {
      var img = t.closest(".captcha-row").querySelector("img.captcha-img");
      if (img) img.src = img.src.split("?")[0] + "?r=" + Date.now();
    }
    if (t.closest("[data-menu-toggle]")) {
      var menu = document.getElementById("sidemenu");
      if (menu) {
        var open = menu.classList.toggle("open");
        t.closest("[data-menu-toggle]").setAttribute("aria-expanded", open ? "true" : "false");
      }
    }
  });
  // Destructive actions ask first.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
    }
  });
  // A double click must not send a form twice.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!(f instanceof HTMLFormElement) || e.defaultPrevented) return;
    if (f.dataset.sent) { e.preventDefault(); return; }
    f.dataset.sent = "1";
    setTimeout(function () { delete f.dataset.sent; }, 3000);
  });
})();
