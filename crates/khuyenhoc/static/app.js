/* khuyenhoc: small progressive enhancement for the self-assessment pages. Pages work without
 * it. With it: the total updates as answers are picked, answers survive a reload (kept in
 * localStorage until the server has them, and sent again by themselves once the page is back),
 * a form sent while offline is sent again when the connection returns, and evidence photos are
 * shrunk on the phone (about 1,600 px, JPEG) and uploaded with a progress bar, retried when the
 * network cuts the upload. Messages are in the page's language only. */
(function () {
  "use strict";
  var english = (document.documentElement.getAttribute("lang") || "vi") === "en";
  function t(vi, en) { return english ? en : vi; }

  /* ---------------------------------------------------------------- answers kept offline */
  var form = document.querySelector("form[data-draft]");
  if (form) answers(form);

  function answers(form) {
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
    /* Puts answers kept in the browser back into the form; true when some differ from what the
     * server sent (they still have to reach it). */
    function restore(sending) {
      var saved;
      try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
      if (!saved) return false;
      if (same(saved, fields())) { localStorage.removeItem(key); return false; }
      Object.keys(saved).forEach(function (name) {
        Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (el) {
          if (el.type === "radio") el.checked = el.value === saved[name];
          else el.value = saved[name];
        });
      });
      notice(sending
        ? t("Đã khôi phục câu trả lời chưa lưu; đang gửi lên máy chủ…", "Unsaved answers restored; sending them…")
        : t("Đã khôi phục câu trả lời chưa lưu.", "Unsaved answers restored."));
      return true;
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
    function post(submitter) {
      var body = new URLSearchParams(new FormData(form));
      if (submitter && submitter.name) body.append(submitter.name, submitter.value);
      return fetch(form.action, { method: "POST", body: body, credentials: "same-origin" }).then(function (resp) {
        if (resp.status >= 500) throw new Error("server " + resp.status);
        return resp;
      });
    }
    function send(submitter) {
      return post(submitter).then(function (resp) {
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
    /* Answers restored after a reload are sent by themselves, staying on this page: once the
     * server has them the draft goes; offline, they go when the connection returns. */
    function resend() {
      var kept = fields();
      return post(null).then(function (resp) {
        var landed = new URL(resp.url, window.location.href).pathname;
        if (landed === "/login") {
          notice(t("Phiên đăng nhập đã hết; câu trả lời được giữ trên máy cho lần đăng nhập sau.", "Signed out: your answers are kept here for the next sign-in."));
        } else if (resp.ok && resp.redirected) {
          if (same(kept, fields())) localStorage.removeItem(key);
          notice(t("Đã khôi phục và gửi câu trả lời chưa lưu.", "Unsaved answers restored and sent."));
          form.setAttribute("data-sent", "1");
        } else {
          notice(t("Đã khôi phục câu trả lời chưa lưu; hãy kiểm tra rồi bấm Lưu.", "Unsaved answers restored: check them and tap Save."));
        }
      });
    }
    var pending = null;
    var timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(retry, 10000); }
    function retry() {
      if (!pending) return;
      var s = pending;
      var attempt = s === "restored" ? resend() : send(s);
      attempt.then(function () { if (pending === s) pending = null; }, later);
    }
    function offline() {
      notice(t("Mất kết nối. Câu trả lời đã được giữ trên máy và sẽ tự gửi khi có mạng.", "Offline: your answers are kept and will be sent when the connection returns."));
    }
    form.addEventListener("change", function () { save(); live(); });
    form.addEventListener("input", save);
    form.addEventListener("submit", function (ev) {
      if (!window.fetch || !window.URLSearchParams) return;
      ev.preventDefault();
      save();
      var submitter = ev.submitter || null;
      pending = null;
      send(submitter).catch(function () {
        pending = submitter || {};
        offline();
        later();
      });
    });
    window.addEventListener("online", retry);
    // On a page that shows the server's refusal, the restored answers wait for a check and a
    // tap on Save; elsewhere they go by themselves.
    var refused = document.querySelector("p.alert[role=alert]");
    if (restore(!refused) && !refused && window.fetch && window.URLSearchParams) {
      pending = "restored";
      resend().then(function () { pending = null; }, function () { offline(); later(); });
    }
    live();
  }

  /* ---------------------------------------------------------------- evidence uploads */
  var EDGE = 1600;
  var QUALITY = 0.85;
  var RETRIES = [1500, 3000, 6000, 12000];

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), uploads);

  /* A photo shrunk to at most EDGE px on its longer side, as a JPEG blob (decoded with its
   * EXIF orientation applied); null when it cannot (not a photo, an old browser): the server
   * then shrinks it. `createImageBitmap` needs no object URL, which the page's CSP refuses. */
  function shrink(file) {
    if (!file || !/^image\//.test(file.type) || !window.createImageBitmap || !document.createElement("canvas").toBlob) return Promise.resolve(null);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (img) {
      var w = img.width, h = img.height;
      var scale = Math.min(1, EDGE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) img.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob); }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return null; });
  }

  function uploads(up) {
    if (!window.XMLHttpRequest || !window.FormData || !window.Promise) return;
    var button = up.querySelector("button[type=submit], button:not([type])");
    var input = up.querySelector("input[type=file]");
    var progress = null;
    var status = null;
    var prepared = null; // the body already built (shrunk photo), kept to try again
    var busy = false;

    function say(text, alert) {
      if (!status) {
        status = document.createElement("p");
        status.className = "upload-status";
        up.appendChild(status);
      }
      status.setAttribute("role", alert ? "alert" : "status");
      status.className = alert ? "upload-status alert" : "upload-status";
      status.textContent = text;
    }
    function bar() {
      if (!progress) {
        progress = document.createElement("progress");
        progress.max = 100;
        progress.value = 0;
        progress.setAttribute("aria-label", t("Tiến độ gửi tệp", "Upload progress"));
        up.appendChild(progress);
      }
      return progress;
    }
    function done() {
      busy = false;
      if (button) button.disabled = false;
    }
    function body() {
      if (prepared) return Promise.resolve(prepared);
      var file = input && input.files && input.files[0];
      return shrink(file).then(function (blob) {
        var data = new FormData(up);
        if (blob && file) {
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          data.set("file", blob, name);
        }
        prepared = data;
        return data;
      });
    }
    function attempt(data, n) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", up.action);
      var token = up.querySelector("input[name=_csrf]");
      if (token) xhr.setRequestHeader("x-csrf-token", token.value);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar().value = Math.round(e.loaded * 100 / e.total);
      };
      xhr.onload = function () {
        if (xhr.status >= 500) { failed(data, n); return; }
        prepared = null;
        bar().value = 100;
        var landed = xhr.responseURL || up.action;
        if (xhr.status < 400 && landed) {
          window.location.href = landed;
        } else {
          // Refused (too large, not a photo…): the server's page says why.
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      };
      xhr.onerror = function () { failed(data, n); };
      xhr.ontimeout = function () { failed(data, n); };
      bar().value = 0;
      xhr.send(data);
    }
    function failed(data, n) {
      if (n < RETRIES.length) {
        say(t("Mất kết nối khi gửi. Đang thử lại (lần " + (n + 1) + "/" + RETRIES.length + ")…", "The connection dropped. Trying again (" + (n + 1) + "/" + RETRIES.length + ")…"), false);
        var wait = null;
        var go = function () {
          window.removeEventListener("online", go);
          clearTimeout(wait);
          attempt(data, n + 1);
        };
        wait = setTimeout(go, RETRIES[n]);
        window.addEventListener("online", go);
      } else {
        say(t("Chưa gửi được vì mất kết nối. Tệp vẫn được giữ trên máy: khi có mạng, hãy bấm «" + (button ? button.textContent : "Gửi") + "» để thử lại.", "Not sent: the connection is down. The file is kept: tap “" + (button ? button.textContent : "Send") + "” to try again when you are online."), true);
        done();
      }
    }
    if (input) input.addEventListener("change", function () { prepared = null; });
    up.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      if (button) button.disabled = true;
      say(t("Đang chuẩn bị và gửi…", "Preparing and sending…"), false);
      body().then(function (data) { attempt(data, 0); }, function () { done(); HTMLFormElement.prototype.submit.call(up); });
    });
  }
})();
