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

// The unit picker: a dialog searching units by any part of their name.
(function () {
  "use strict";
  var dialog = document.getElementById("unit-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var target = null;
  var q = document.getElementById("unit-q");
  var msg = document.getElementById("unit-msg");
  var results = document.getElementById("unit-results");
  function open(field) {
    target = field;
    q.value = "";
    results.textContent = "";
    msg.textContent = "请输入单位名称的任意部分，至少两个字";
    dialog.showModal();
    q.focus();
  }
  function search() {
    var text = q.value.trim();
    if (text.length < 2) { msg.textContent = "请至少输入两个字"; return; }
    msg.textContent = "查询中…";
    fetch("/rsrc/api/units?q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        results.textContent = "";
        var items = data.items || [];
        msg.textContent = data.message || (items.length ? "共 " + items.length + " 条，请选择后点击“确定”" : "未找到匹配的单位");
        items.forEach(function (u, i) {
          var id = "unit-opt-" + i;
          var row = document.createElement("div");
          row.className = "unit-option";
          var radio = document.createElement("input");
          radio.type = "radio"; radio.name = "unit-choice"; radio.id = id; radio.value = u.id;
          radio.dataset.name = u.name;
          var label = document.createElement("label");
          label.htmlFor = id;
          label.textContent = u.name + "（" + u.region + "）";
          row.appendChild(radio); row.appendChild(label);
          results.appendChild(row);
          if (i === 0) radio.checked = true;
        });
      })
      .catch(function () { msg.textContent = "查询失败，请稍后再试"; });
  }
  document.getElementById("unit-search").addEventListener("click", search);
  q.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
  document.getElementById("unit-ok").addEventListener("click", function () {
    var chosen = results.querySelector("input[name=unit-choice]:checked");
    if (!chosen) { msg.textContent = "请先选择一个单位"; return; }
    document.getElementById("f-" + target).value = chosen.value;
    document.getElementById("f-" + target + "_name").value = chosen.dataset.name;
    dialog.close();
  });
  document.getElementById("unit-cancel").addEventListener("click", function () { dialog.close(); });
  document.querySelectorAll("[data-unit-button]").forEach(function (b) {
    b.addEventListener("click", function (e) { e.preventDefault(); open(b.dataset.unitButton); });
  });
  document.querySelectorAll("[data-unit-picker]").forEach(function (input) {
    input.readOnly = true;
    input.addEventListener("click", function () { open(input.dataset.unitPicker); });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(input.dataset.unitPicker); } });
  });
})();

// The cascade 申报级别 → 申报职称 → 现从事专业.
(function () {
  "use strict";
  var level = document.querySelector("[data-cascade=level]");
  var title = document.querySelector("[data-cascade=title]");
  var spec = document.querySelector("[data-cascade=specialty]");
  if (!level || !title || !spec) return;
  document.querySelectorAll(".nojs-only").forEach(function (el) { el.hidden = true; });
  function fill(select, items, empty) {
    select.textContent = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = items.length ? "请选择" : empty;
    select.appendChild(first);
    items.forEach(function (it) {
      var o = document.createElement("option");
      o.value = it.value; o.textContent = it.text;
      select.appendChild(o);
    });
  }
  level.addEventListener("change", function () {
    fill(spec, [], "请先选择申报职称");
    if (!level.value) { fill(title, [], "请先选择申报级别"); return; }
    fetch("/rsrc/api/dict/titles?level=" + encodeURIComponent(level.value), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (list) {
        fill(title, list.map(function (t) { return { value: t.id, text: t.name + "（" + t.series_name + "）" }; }), "请先选择申报级别");
      });
  });
  title.addEventListener("change", function () {
    if (!title.value) { fill(spec, [], "请先选择申报职称"); return; }
    fetch("/rsrc/api/dict/specialties?title=" + encodeURIComponent(title.value), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (list) {
        fill(spec, list.map(function (s) { return { value: s.id, text: s.name }; }), "请先选择申报职称");
      });
  });
  // 工作单位 is needed only when 是否是工作单位 is 否.
  var workField = document.getElementById("work-unit-field");
  function toggleWork() {
    var yes = document.getElementById("f-is_work_unit-yes");
    if (workField && yes) workField.hidden = yes.checked;
  }
  document.querySelectorAll("[data-work-toggle]").forEach(function (r) { r.addEventListener("change", toggleWork); });
  toggleWork();
})();

// 详细: each module saves (and each file uploads) by reloading the page, which would throw
// away what was typed, unsaved, in the other modules. Ask first, naming them; and warn
// before leaving the page with unsaved edits.
(function () {
  "use strict";
  if (!document.querySelector("section.module form")) return;
  var dirty = [];
  var leaving = false;
  function mark(e) {
    var f = e.target && e.target.form;
    if (f && f.closest("section.module") && dirty.indexOf(f) < 0) dirty.push(f);
  }
  function moduleName(f) {
    var h = f.closest("section.module").querySelector("h2");
    return h ? h.textContent.trim() : "";
  }
  document.addEventListener("input", mark);
  document.addEventListener("change", mark);
  // Capture: before the confirmations and the double-submit guard.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var others = dirty.filter(function (d) { return d !== f; });
    if (!others.length) return;
    var names = others.map(moduleName).filter(function (n, i, all) { return n && all.indexOf(n) === i; });
    if (!window.confirm("“" + names.join("”“") + "”中有尚未保存的修改，继续将丢失这些修改。确定继续吗？")) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (e) {
    if (!e.defaultPrevented) leaving = true;
  });
  window.addEventListener("beforeunload", function (e) {
    if (leaving || !dirty.length) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();
