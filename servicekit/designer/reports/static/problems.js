// The problems list beside a designer: each problem with its JSON path; the editor element whose
// data-path is that path (or its nearest parent path) is marked invalid.
(function () {
  "use strict";

  function parentPath(path) {
    var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
    return cut > 0 ? path.slice(0, cut) : "";
  }

  function show(list) {
    var box = document.getElementById("problems");
    if (!box) return;
    document.querySelectorAll(".is-invalid, .sk-invalid").forEach(function (el) {
      el.classList.remove("is-invalid", "sk-invalid");
    });
    box.textContent = "";
    if (!list.length) {
      var none = document.createElement("li");
      none.className = "text-body-secondary";
      none.textContent = box.dataset.none;
      box.appendChild(none);
      return;
    }
    list.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "sk-problem mb-2";
      item.dataset.path = problem.path || "$";
      var code = document.createElement("code");
      code.textContent = problem.path || "$";
      item.appendChild(code);
      item.appendChild(document.createTextNode(" " + problem.message));
      box.appendChild(item);
      var path = problem.path || "$";
      while (path) {
        var found = document.querySelectorAll('[data-path="' + path.replace(/"/g, "") + '"]');
        if (found.length) {
          found.forEach(function (el) {
            el.classList.add(el.matches("input, select, textarea") ? "is-invalid" : "sk-invalid");
          });
          break;
        }
        path = parentPath(path);
      }
    });
  }

  window.skReportProblems = {show: show};
})();
