/* khuyenhoc: small progressive enhancement for the self-assessment pages. Pages work without
 * it. With it: the total updates as answers are picked, answers survive a reload (kept in
 * localStorage until the server has them), and a form sent while offline is sent again when the
 * connection returns. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft]");
  if (!form) return;
  var key = "khuyenhoc:" + form.getAttribute("data-draft");
  var totalEl = document.getElementById("total");

  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("a_") !== 0) return;
      if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
      else out[el.name] = el.value;
    });
    return out;
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function save() { try { localStorage.setItem(key, JSON.stringify(fields())); } catch (e) { /* storage full or off */ } }
  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    if (same(saved, fields())) { localStorage.removeItem(key); return; }
    Object.keys(saved).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (el) {
        if (el.type === "radio") el.checked = el.value === saved[name];
        else el.value = saved[name];
      });
    });
    notice(tr("Đã khôi phục câu trả lời chưa lưu.", "Unsaved answers restored."));
  }
  function live() {
    if (!totalEl) return;
    var total = parseInt(totalEl.getAttribute("data-saved"), 10) || 0;
    Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-code]"), function (fs) {
      var code = fs.getAttribute("data-code");
      var picked = form.querySelector("[name='a_" + code + "']:checked") || form.querySelector("input[name='a_" + code + "']:not([type=radio])");
      if (!picked || picked.value === "") return;
      total += (parseInt(picked.value, 10) || 0) - (parseInt(fs.getAttribute("data-awarded"), 10) || 0);
    });
    totalEl.textContent = String(total);
  }
  // The page's language (html lang): Vietnamese unless the reader chose English.
  function tr(vi, en) {
    return document.documentElement.lang === "en" ? en : vi;
  }
  function notice(text) {
    var p = document.getElementById("draft-notice");
    if (!p) {
      p = document.createElement("p");
      p.id = "draft-notice";
      p.className = "notice";
      p.setAttribute("role", "status");
      form.parentNode.insertBefore(p, form);
    }
    p.textContent = text;
  }
  /* The ordinary submission, for answers the server refused: its page then says why, and the
   * draft stays to be restored there. */
  function plain(submitter) {
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    HTMLFormElement.prototype.submit.call(form);
  }
  function send(submitter) {
    var body = new URLSearchParams(new FormData(form));
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    return fetch(form.action, { method: "POST", body: body, credentials: "same-origin" }).then(function (resp) {
      if (resp.status >= 500) throw new Error("server " + resp.status);
      var landed = new URL(resp.url, window.location.href).pathname;
      if (landed === "/login") {
        // Signed out meanwhile: the answers wait here until the next sign-in.
        window.location.href = resp.url;
      } else if (resp.ok && resp.redirected) {
        // Saved: the server sends the next page.
        localStorage.removeItem(key);
        window.location.href = resp.url;
      } else {
        plain(submitter);
      }
    });
  }
  var pending = null;
  function retry() {
    if (!pending) return;
    var s = pending;
    send(s).catch(function () { setTimeout(retry, 10000); });
  }
  form.addEventListener("change", function () { save(); live(); });
  form.addEventListener("input", save);
  form.addEventListener("submit", function (ev) {
    if (!window.fetch || !window.URLSearchParams) return;
    ev.preventDefault();
    save();
    var submitter = ev.submitter || null;
    send(submitter).catch(function () {
      pending = submitter || {};
      notice(tr("Mất kết nối. Câu trả lời đã được giữ trên máy và sẽ tự gửi khi có mạng.", "Offline: your answers are kept and will be sent when the connection returns."));
      setTimeout(retry, 10000);
    });
  });
  window.addEventListener("online", retry);
  restore();
  live();
})();
