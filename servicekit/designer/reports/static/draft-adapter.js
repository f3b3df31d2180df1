// Drafts for the report and dashboard designers: load, debounced autosave, problems, saved state.
// Uses the designer shell's window.skDraft when the page has it; otherwise talks to the same
// draft API itself (GET/PUT /designer/api/apps/<app>/<kind>/<key>/draft).
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function local(url, texts) {
    var revision = "";
    var listeners = [];
    var timer = null;
    var pending = null;
    var busy = false;
    var state = document.getElementById("save-state");

    function show(kind, text) {
      if (!state) return;
      state.dataset.state = kind;
      state.textContent = text;
      state.className = "small " + (kind === "conflict" || kind === "error" ? "text-danger" : "text-body-secondary");
    }

    function problems(list) { listeners.forEach(function (cb) { cb(list || []); }); }

    function flush() {
      if (busy || pending === null) return;
      var body = pending;
      pending = null;
      busy = true;
      show("saving", texts.saving);
      fetch(url, {
        method: "PUT", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({body: body, revision: revision})
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          busy = false;
          if (response.status === 409) { show("conflict", texts.conflict); return; }
          if (!response.ok) { show("error", texts.failed + " (" + response.status + ")"); return; }
          revision = data.revision || "";
          var now = new Date();
          show("saved", texts.saved + " · " + String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0"));
          problems(data.problems);
          flush();
        });
      }).catch(function () { busy = false; show("error", texts.failed); });
    }

    return {
      load: function () {
        return fetch(url + "?new=1", {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {}; })
          .then(function (data) {
            revision = data.revision || "";
            problems(data.problems);
            return data;
          });
      },
      save: function (body) {
        pending = JSON.parse(JSON.stringify(body));
        show("dirty", texts.saving);
        clearTimeout(timer);
        timer = setTimeout(flush, 500);
      },
      onProblems: function (cb) { listeners.push(cb); }
    };
  }

  window.skReportsDraft = function (url, texts) {
    return local(url, texts);
  };
})();
