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

// Tables read as cards at phone width: each cell carries its column's name (see app.css).
// Scrollable table regions can be reached and scrolled by keyboard.
(function () {
  "use strict";
  document.querySelectorAll("table.table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.classList.add("cards");
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.cells, function (td) {
        var span = td.colSpan || 1;
        if (span === 1 && heads[col] && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[col]);
        col += span;
      });
    });
  });
})();

// After a reload, focus goes where the person was or where they must look: the first field
// in error, else the element the address points at (#module-…, #slot-…), else the message.
(function () {
  "use strict";
  document.querySelectorAll(".err").forEach(function (err, i) {
    if (!err.textContent.trim()) return;
    if (!err.id) err.id = "err-auto-" + i;
    var box = err.closest(".field, .slot, .pledge, .control");
    var control = box && box.querySelector("input:not([type=hidden]), select, textarea");
    if (control && !control.hasAttribute("aria-describedby")) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", err.id);
    }
  });
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) {
    document.title = "输入有误 - " + document.title;
    invalid.focus();
    return;
  }
  var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!target) target = document.querySelector(".flash");
  if (target) {
    if (!target.matches("a[href], button, input, select, textarea, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus();
  }
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
  window.addEventListener("zc-leaving", function () { leaving = true; });
  window.addEventListener("beforeunload", function (e) {
    if (leaving || !dirty.length) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();

// Nothing typed is lost to a session timeout. Before the session ends the page warns and offers
// to stay; when it has ended (or a 保存 meets the login page) what the forms held is kept in
// this tab's sessionStorage, the login leads back (`next`) and the page is filled again.
(function () {
  "use strict";
  var KEY = "zc-draft";
  var body = document.body;
  var base = body.dataset.base || "/rsrc";
  function path() { return location.pathname + location.search; }
  function read() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function write(d) {
    try { sessionStorage.setItem(KEY, JSON.stringify(d)); } catch (e) { /* storage full or off */ }
  }
  // What a person typed or chose (the unit picker's hidden id included); never the form
  // token, the row version the server guards saves with, passwords or files.
  function kept(el) {
    var t = (el.type || "").toLowerCase();
    return el.name && el.name.charAt(0) !== "_" && el.name !== "version" && !el.disabled &&
      ["password", "file", "submit", "button", "reset"].indexOf(t) < 0;
  }
  function snapshot() {
    var forms = [];
    document.querySelectorAll("main form[method=post]").forEach(function (f) {
      var fields = [];
      Array.prototype.forEach.call(f.elements, function (el) {
        if (!kept(el)) return;
        if (el.type === "radio" || el.type === "checkbox") fields.push([el.name, el.value, el.checked]);
        else fields.push([el.name, el.value]);
      });
      if (fields.length) forms.push({ action: f.getAttribute("action"), fields: fields });
    });
    return { path: location.pathname, back: path(), forms: forms, pending: false };
  }
  // Fills the forms again. A select whose options arrive later (申报职称 after 申报级别)
  // is retried until its option is there.
  function restore(d, done) {
    var filled = 0;
    var waiting = [];
    d.forms.forEach(function (saved) {
      var f = document.querySelector('main form[action="' + saved.action + '"]');
      if (!f) return;
      var seen = {};
      saved.fields.forEach(function (s) {
        var same = Array.prototype.filter.call(f.elements, function (el) { return el.name === s[0] && kept(el); });
        if (s.length === 3) {
          same.forEach(function (el) {
            if (el.value === s[1] && el.checked !== s[2]) {
              el.checked = s[2];
              el.dispatchEvent(new Event("change", { bubbles: true }));
              filled++;
            }
          });
          return;
        }
        var i = seen[s[0]] || 0;
        seen[s[0]] = i + 1;
        var el = same[i];
        if (el) waiting.push([el, s[1]]);
      });
    });
    var tries = 0;
    (function fill() {
      waiting = waiting.filter(function (w) {
        var el = w[0], value = w[1];
        if (el.value === value) return false;
        if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) return true;
        el.value = value;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
        filled++;
        return false;
      });
      if (waiting.length && tries++ < 20) setTimeout(fill, 150);
      else done(filled);
    })();
  }
  function notice(text) {
    var box = document.createElement("div");
    box.className = "flash ok";
    box.setAttribute("role", "status");
    box.id = "draft-restored";
    box.textContent = text;
    var card = document.querySelector("main .card") || document.querySelector("main");
    var after = card && (card.querySelector(".flash") || card.querySelector("h1"));
    if (after) after.insertAdjacentElement("afterend", box);
    else if (card) card.insertBefore(box, card.firstChild);
  }

  var d = read();
  var loginPage = !body.dataset.idle && document.querySelector('form[action$="/login"]');
  if (d && loginPage) {
    d.pending = true;
    write(d);
    var next = loginPage.querySelector("input[name=next]");
    if (!next) {
      next = document.createElement("input");
      next.type = "hidden"; next.name = "next"; next.value = d.back;
      loginPage.appendChild(next);
    }
    notice("您在上一页填写的内容已暂存在本浏览器中，重新登录后将自动恢复。");
  } else if (d && d.pending && d.path === location.pathname) {
    sessionStorage.removeItem(KEY);
    restore(d, function (n) { if (n > 0) notice("已恢复登录超时前填写的内容，请核对后保存。"); });
  } else if (d) {
    sessionStorage.removeItem(KEY);
  }

  if (!body.dataset.idle || body.dataset.idle === "0") return;
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (e.defaultPrevented || !(f instanceof HTMLFormElement) || !f.closest("main")) return;
    write(snapshot());
  });

  var idle = parseInt(body.dataset.idle, 10) * 1000;
  var warnBefore = Math.min(120000, idle / 4);
  var timers = [];
  var dialog = null;
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }
  function show(title, text, button) {
    if (!dialog) {
      dialog = el("dialog", { id: "idle-dialog", "aria-labelledby": "idle-title", "aria-describedby": "idle-text" });
      document.body.appendChild(dialog);
    }
    dialog.textContent = "";
    var inner = el("div", { class: "dialog-body" });
    inner.appendChild(el("h2", { id: "idle-title" }, title));
    inner.appendChild(el("p", { id: "idle-text" }, text));
    var actions = el("div", { class: "actions dialog-actions" });
    actions.appendChild(button);
    inner.appendChild(actions);
    dialog.appendChild(inner);
    if (!dialog.open) dialog.showModal();
    button.focus();
  }
  function start() {
    timers.forEach(clearTimeout);
    timers = [setTimeout(warn, idle - warnBefore), setTimeout(expired, idle)];
  }
  function warn() {
    var stay = el("button", { type: "button", class: "btn primary", id: "idle-stay" }, "继续办理");
    stay.addEventListener("click", function () {
      fetch(base + (base === "/rsrc" ? "/zc/keepalive" : "/keepalive"), { credentials: "same-origin", redirect: "manual", cache: "no-store" })
        .then(function (r) {
          if (r.status === 204) { dialog.close(); start(); } else { expired(); }
        })
        .catch(function () { expired(); });
    });
    show("登录即将超时", "您已较长时间未操作，为保护您的信息，登录将在" + Math.round(warnBefore / 60000) + "分钟后超时。如需继续办理，请点击“继续办理”。", stay);
  }
  function expired() {
    timers.forEach(clearTimeout);
    var d = snapshot();
    d.pending = true;
    write(d);
    var login = el("a", { class: "btn primary", id: "idle-login",
      href: (base === "/rsrc" ? "/rsrc/" : "/sdmanager") + "?m=session_expired&next=" + encodeURIComponent(path()) }, "重新登录");
    show("登录已超时", "您在本页填写的内容已暂存在本浏览器中，重新登录后将自动恢复。", login);
  }
  start();
})();

// Uploads show their progress and can be cancelled; a failure (a dropped line, the server's
// time limit) is reported at the slot, and the page with everything typed on it stays.
(function () {
  "use strict";
  var MAX = 5 * 1024 * 1024;
  var TIMEOUT_MS = 200000;
  function mb(n) { return (n / 1048576).toFixed(1) + " MB"; }
  document.querySelectorAll("form.upload").forEach(function (form) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    var slot = form.closest(".slot");
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var label = slot.querySelector(".slot-head strong");
    function status() {
      var box = slot.querySelector(".upload-status");
      if (!box) {
        box = document.createElement("div");
        box.className = "upload-status";
        box.setAttribute("role", "status");
        form.insertAdjacentElement("afterend", box);
      }
      return box;
    }
    function fail(text) {
      var box = status();
      box.textContent = "";
      var p = document.createElement("p");
      p.className = "err slot-err";
      p.setAttribute("role", "alert");
      p.id = "e-upload-" + input.id;
      p.textContent = (label ? label.textContent + "：" : "") + text;
      box.appendChild(p);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
      button.disabled = false;
      input.focus();
    }
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) return;
      e.preventDefault();
      var file = input.files && input.files[0];
      if (!file) { fail("请选择要上传的文件"); return; }
      if (file.size > MAX) { fail("文件大小超过5MB，请压缩后重新上传（当前 " + mb(file.size) + "）"); return; }
      var xhr = new XMLHttpRequest();
      var box = status();
      box.textContent = "";
      var bar = document.createElement("progress");
      bar.max = file.size; bar.value = 0;
      bar.id = "p-" + input.id;
      var text = document.createElement("label");
      text.htmlFor = bar.id;
      text.textContent = "正在上传 " + file.name + "：0%";
      var cancel = document.createElement("button");
      cancel.type = "button"; cancel.className = "btn small"; cancel.textContent = "取消上传";
      cancel.addEventListener("click", function () { xhr.abort(); });
      box.appendChild(text); box.appendChild(bar); box.appendChild(cancel);
      button.disabled = true;
      input.removeAttribute("aria-invalid");
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        bar.max = ev.total; bar.value = ev.loaded;
        text.textContent = "正在上传 " + file.name + "：" + Math.floor(ev.loaded * 100 / ev.total) + "%（" + mb(ev.loaded) + " / " + mb(ev.total) + "）";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
          // The server answered with the page to show (after its redirect): go there.
          text.textContent = "上传完成，正在刷新…";
          window.dispatchEvent(new Event("zc-leaving"));
          var target = xhr.responseURL.split("#")[0];
          var same = target === location.href.split("#")[0];
          location.href = target + "#" + slot.id;
          // Only the fragment differs: the browser would not load the page again.
          if (same) location.reload();
        } else if (xhr.status === 413) {
          fail("文件过大，单个文件不超过5MB");
        } else if (xhr.status === 408) {
          fail("上传超时：网络较慢，请在网络较好时重试，或压缩文件后再上传");
        } else {
          fail("上传失败（" + xhr.status + "），请稍后重试");
        }
      });
      xhr.addEventListener("error", function () { fail("上传中断：网络连接失败，请检查网络后重试"); });
      xhr.addEventListener("timeout", function () { fail("上传超时：网络较慢，请在网络较好时重试，或压缩文件后再上传"); });
      xhr.addEventListener("abort", function () { fail("已取消上传"); });
      xhr.open("POST", form.action);
      xhr.timeout = TIMEOUT_MS;
      xhr.send(new FormData(form));
    });
  });
})();
