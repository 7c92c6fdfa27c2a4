// Keyboard-first review. Plain script, loaded from /static (the CSP allows no inline script).
// Pages work without it (forms post and redirect); with it, decisions are sent by fetch and
// the next item, fetched in advance, replaces the page at once.
(function () {
  "use strict";

  var prefetched = { url: null, html: null };
  var mode = null; // "reason" after r, "bulk" after b

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function csrf() { var m = $('meta[name="csrf-token"]'); return m ? m.content : ""; }
  function page() { return document.body.dataset.page; }
  function layout() { return $(".layout.review"); }

  var flashTimer = null;
  var FLASH_MS = { info: 4000, ok: 4000, problem: 8000, conflict: 10000 };

  function hideFlash() { var el = $("#flash"); if (el) el.hidden = true; clearTimeout(flashTimer); }

  function autoHide(kind) {
    // Messages go after a few seconds (problems stay longer), or on the next key.
    clearTimeout(flashTimer);
    flashTimer = setTimeout(hideFlash, FLASH_MS[kind] || 4000);
  }

  function flash(message, kind) {
    var el = $("#flash");
    el.textContent = message; // text, never HTML
    el.className = "flash " + (kind || "info");
    el.hidden = false;
    autoHide(kind);
  }

  function toggleKeys(show) {
    var overlay = $("#keys-overlay");
    if (!overlay) return;
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
  }

  function isTyping(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  function send(form) {
    var body = new URLSearchParams(new FormData(form));
    // getAttribute: a field named "action" shadows form.action
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { res: res, data: data }; });
    });
  }

  function prefetch(url) {
    if (!url || prefetched.url === url) return;
    prefetched = { url: url, html: null };
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (prefetched.url === url) prefetched.html = html; })
      .catch(function () {});
  }

  function show(html, url) {
    // Our own server's page, parsed inertly and swapped in; content in it is already escaped.
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.getElementById("main");
    if (!main) { location.assign(url); return; }
    document.getElementById("main").replaceWith(document.adoptNode(main));
    document.title = doc.title;
    document.body.dataset.page = doc.body.dataset.page;
    history.pushState(null, "", url);
    window.scrollTo(0, 0);
    mode = null;
    init();
  }

  function go(url, fresh) {
    if (!url) return Promise.resolve();
    if (!fresh && prefetched.url === url && prefetched.html) {
      var html = prefetched.html;
      prefetched = { url: null, html: null };
      show(html, url);
      return Promise.resolve();
    }
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (r.redirected && /\/login/.test(r.url)) { location.assign(r.url); return; }
      return r.text().then(function (html) { show(html, url); });
    });
  }

  function problems(data) {
    return (data && data.problems && data.problems.join("; ")) || (data && data.error) || "request failed";
  }

  function handle(result, doneMessage) {
    var res = result.res, data = result.data;
    if (res.status === 401) { location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search)); return; }
    if (res.status === 409) {
      var last = data.last ? " Last: " + data.last.action + " by " + data.last.by + " at " + data.last.at + "." : "";
      var now = data.current ? " Now " + data.current.status + ": " + data.current.member + ", commitment " + data.current.commitment + ", " + data.current.dimension + ", " + data.current.strength + "." : "";
      return go(data.url, true).then(function () { flash("Conflict: " + data.message + "." + now + last + " Nothing was changed.", "conflict"); });
    }
    if (!res.ok) { flash("Not done: " + problems(data), "problem"); return; }
    var root = layout();
    var next = data.action === "note" ? "" : (root && root.dataset.next);
    if (next) return go(next).then(function () { flash(doneMessage, "ok"); });
    return go(data.url, true).then(function () { flash(doneMessage + (data.action === "note" ? "" : " That was the last one in this queue."), "ok"); });
  }

  var DONE = { accept: "Accepted.", reject: "Rejected.", edit: "Edited and accepted.", note: "Note added." };

  function submitDecision(form) {
    return send(form).then(function (result) { return handle(result, DONE[form.dataset.action] || "Done."); });
  }

  function undo() {
    var form = $("#undo-form");
    if (!form) return;
    send(form).then(function (result) {
      if (result.res.ok) {
        var what = result.data.count > 1 ? "all " + result.data.count + " suggestions of that bulk action are " : "the suggestion is ";
        if (result.data.count > 1) { location.assign(result.data.url); return; } // the server's flash says it
        return go(result.data.url, true).then(function () { flash("Undone: " + what + result.data.status + " again.", "ok"); });
      }
      if (result.res.status === 401) { location.assign("/login"); return; }
      flash("Not undone: " + problems(result.data), "problem");
    });
  }

  // --- review page ----------------------------------------------------------------------------

  // The reason keys come from the catalogue (one per reason, as the page lists them).
  function keyRange(selector) {
    var keys = $all(selector).map(function (el) { return el.dataset.key; }).filter(Boolean);
    return keys.length ? keys[0] + "–" + keys[keys.length - 1] : "";
  }

  function reviewKey(e) {
    var root = layout();
    if (!root || !root.dataset.suggestion) {
      if (e.key === "j" && root && root.dataset.next) go(root.dataset.next);
      if (e.key === "k" && root && root.dataset.prev) go(root.dataset.prev);
      return false;
    }
    var radio = mode === "reason" && e.key.length === 1 ? $('#reasons input[data-key="' + CSS.escape(e.key) + '"]') : null;
    if (radio) {
      radio.checked = true;
      if (radio.value === "other") { $("#reject-note").focus(); flash("Say why in the note, then Enter.", "info"); }
      else submitDecision($("#reject-form"));
      mode = null;
      return true;
    }
    switch (e.key) {
      case "a": submitDecision($('form.decision[data-action="accept"]')); return true;
      case "r":
        mode = "reason";
        $("#reasons").classList.add("armed");
        flash("Reject: press a reason key " + keyRange("#reasons input[data-key]") + " (Esc cancels).", "info");
        return true;
      case "e": $("#edit-form").hidden = false; $("#edit-member").focus(); return true;
      case "n": $("#note-form").hidden = false; $("#note-text").focus(); return true;
      case "j": if (root.dataset.next) go(root.dataset.next); else flash("This is the last one in the queue.", "info"); return true;
      case "k": if (root.dataset.prev) go(root.dataset.prev); return true;
      case "q": location.assign(root.dataset.queue); return true;
    }
    return false;
  }

  // --- queue page -----------------------------------------------------------------------------

  var cursor = 0;

  function rows() { return $all("tr.row"); }

  function moveCursor(to) {
    var list = rows();
    if (!list.length) return;
    cursor = Math.max(0, Math.min(list.length - 1, to));
    list.forEach(function (r, i) { r.classList.toggle("cursor", i === cursor); });
    list[cursor].scrollIntoView({ block: "nearest" });
  }

  function countSelected() {
    var n = $all('input[name="sel"]:checked').length;
    var el = $("#selected-count");
    if (el) el.textContent = String(n);
    return n;
  }

  function queueKey(e) {
    var list = rows();
    var option = mode === "bulk" && e.key.length === 1 ? $('#bulk-reason option[data-key="' + CSS.escape(e.key) + '"]') : null;
    if (option) {
      var select = $("#bulk-reason");
      select.value = option.value;
      mode = null;
      if (select.value === "other") { $("#bulk-note").focus(); flash("Say why in the note, then Enter.", "info"); }
      else $("#bulk").requestSubmit();
      return true;
    }
    switch (e.key) {
      case "j": moveCursor(cursor + 1); return true;
      case "k": moveCursor(cursor - 1); return true;
      case "o": case "Enter": if (list[cursor]) location.assign(list[cursor].dataset.href); return true;
      case "x":
        if (list[cursor]) { var box = $('input[name="sel"]', list[cursor]); box.checked = !box.checked; countSelected(); }
        return true;
      case "b":
        if (!countSelected()) { flash("Select suggestions with x first.", "info"); return true; }
        mode = "bulk";
        flash("Bulk reject " + countSelected() + ": press a reason key " + keyRange("#bulk-reason option[data-key]") + " (Esc cancels).", "info");
        return true;
      case "/": var first = $("#filters select"); if (first) first.focus(); return true;
    }
    return false;
  }

  // --- wiring ---------------------------------------------------------------------------------

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey && e.key === "Enter" && e.target.id === "note-text") {
      e.preventDefault(); submitDecision($("#note-form")); return;
    }
    // In the edit form Enter saves from any field; in its text area (the quote) Enter is a
    // newline and Ctrl+Enter saves.
    var editor = e.target.closest && e.target.closest("#edit-form");
    if (editor && e.key === "Enter" && !e.shiftKey && !e.altKey) {
      if (e.target.tagName !== "TEXTAREA" || e.ctrlKey || e.metaKey) { e.preventDefault(); submitDecision(editor); return; }
    }
    if (e.key === "Escape") {
      toggleKeys(false);
      mode = null;
      $all("#edit-form, #note-form").forEach(function (f) { f.hidden = true; });
      var armed = $("#reasons.armed"); if (armed) armed.classList.remove("armed");
      if (document.activeElement) document.activeElement.blur();
      $("#flash").hidden = true;
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    if (e.key !== "Shift") hideFlash();
    var used = false;
    if (e.key === "?") { toggleKeys(); used = true; }
    else if (e.key === "u") { undo(); used = true; }
    else if (page() === "review") used = reviewKey(e);
    else if (page() === "queue") used = queueKey(e);
    if (used) e.preventDefault();
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var by = e.submitter;
    if (by && by.dataset.confirm && !window.confirm(by.dataset.confirm)) { e.preventDefault(); return; }
    if (form.classList.contains("decision")) { e.preventDefault(); submitDecision(form); }
  });

  document.addEventListener("change", function (e) {
    if (e.target.name === "sel") countSelected();
    if (e.target.closest && e.target.closest("#filters") && e.target.tagName === "SELECT") $("#filters").requestSubmit();
  });

  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr.row");
    if (row && !e.target.closest("a, input")) moveCursor(rows().indexOf(row));
  });

  window.addEventListener("popstate", function () { location.reload(); });

  function init() {
    var shown = $("#flash");
    if (shown && !shown.hidden) autoHide(shown.classList.contains("problem") ? "problem" : "ok");
    if (page() === "queue") { cursor = 0; moveCursor(0); countSelected(); }
    var root = layout();
    if (root && root.dataset.next) prefetch(root.dataset.next);
  }

  init();
})();
