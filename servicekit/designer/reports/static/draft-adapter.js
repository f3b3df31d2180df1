// The report and dashboard designers' link to the designer shell's draft client (skDraft):
// load (starting a new document when there is none), debounced autosave, problems.
(function () {
  "use strict";

  window.skReportsDraft = function (url) {
    var draft = window.skDraft;
    var loaded = false;
    draft.onLoad(function () {
      // "Reload theirs" after a conflict: rebuild the editor from the stored draft.
      if (loaded) window.location.reload();
      loaded = true;
    });
    return {
      load: function () { return draft.load(url + "?new=1"); },
      save: function (body) {
        // Failures show in the shell's saved state; nothing more to do here.
        draft.save(JSON.parse(JSON.stringify(body))).catch(function () {});
      },
      onProblems: function (cb) { draft.onProblems(function (mine) { cb(mine || []); }); },
      onProblemClick: function (cb) { draft.onProblemClick(cb); }
    };
  };
})();
