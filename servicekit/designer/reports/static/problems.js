// Problems on the designer's elements: the element whose data-path is a problem's JSON path (or
// its nearest parent path) is marked invalid; the preview's own problems are listed under it.
(function () {
  "use strict";

  function parentPath(path) {
    var cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
    return cut > 0 ? path.slice(0, cut) : "";
  }

  // The elements a problem at ``path`` concerns.
  function elementsAt(path) {
    while (path) {
      var found = document.querySelectorAll('[data-path="' + path.replace(/["\\]/g, "") + '"]');
      if (found.length) return Array.prototype.slice.call(found);
      path = parentPath(path);
    }
    return [];
  }

  function mark(lists) {
    document.querySelectorAll(".is-invalid, .sk-invalid").forEach(function (el) {
      el.classList.remove("is-invalid", "sk-invalid");
    });
    lists.forEach(function (list) {
      list.forEach(function (problem) {
        elementsAt(problem.path || "$").forEach(function (el) {
          el.classList.add(el.matches("input, select, textarea") ? "is-invalid" : "sk-invalid");
        });
      });
    });
  }

  function list(box, problems) {
    if (!box) return;
    box.textContent = "";
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "sk-problem text-danger mb-1";
      item.dataset.path = problem.path || "$";
      var code = document.createElement("code");
      code.textContent = problem.path || "$";
      item.appendChild(code);
      item.appendChild(document.createTextNode(" " + problem.message));
      box.appendChild(item);
    });
  }

  // Bring the element of a clicked problem into view and focus it.
  function reveal(problem) {
    var found = elementsAt(problem.path || "$")[0];
    if (!found) return;
    found.scrollIntoView({block: "center"});
    var target = found.matches("input, select, textarea") ? found : found.querySelector("input, select, textarea");
    if (target) target.focus();
  }

  window.skReportProblems = {mark: mark, list: list, reveal: reveal};
})();
