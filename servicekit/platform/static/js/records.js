// ServiceKit record pages: subform rows, lookup pickers, uploads, signatures, location and
// filter rows. Each is a progressive step over plain HTML; the server re-checks everything.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function changed(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function token() {
    return "n" + Math.random().toString(16).slice(2, 10);
  }

  function addRow(key) {
    var template = document.getElementById("tpl-" + key);
    var table = document.getElementById("sub-" + key);
    if (!template || !table) return;
    var html = template.innerHTML.split("__ROW__").join(token());
    var body = table.querySelector("[data-subform-rows]");
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    body.appendChild(row);
    if (window.htmx) window.htmx.process(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    changed(body);
  }

  function upload(input, file, name) {
    var data = new FormData();
    data.append("file", file, name || file.name);
    var target = document.getElementById(input.getAttribute("data-files"));
    return fetch(input.getAttribute("data-records-upload"), {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrf(), "HX-Request": "true" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (target) target.insertAdjacentHTML("beforeend", html);
      });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-subform-add]");
    if (add) {
      event.preventDefault();
      addRow(add.getAttribute("data-subform-add"));
      return;
    }
    var remove = event.target.closest("[data-subform-remove]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("tr");
      var body = row.parentElement;
      row.remove();
      changed(body);
      return;
    }
    var pick = event.target.closest("[data-lookup-pick]");
    if (pick) {
      var box = pick.closest(".sk-lookup");
      var value = box.querySelector("[data-lookup-value]");
      box.querySelector("[data-lookup-text]").value = pick.getAttribute("data-lookup-label");
      value.value = pick.getAttribute("data-lookup-pick");
      box.querySelector(".sk-lookup-results").innerHTML = "";
      changed(value);
      return;
    }
    var removeFile = event.target.closest("[data-records-remove-file]");
    if (removeFile) {
      var chip = removeFile.closest(".sk-file");
      var parent = chip.parentElement;
      chip.remove();
      changed(parent);
      return;
    }
    var locate = event.target.closest("[data-records-locate]");
    if (locate && navigator.geolocation) {
      var prefix = locate.getAttribute("data-records-locate");
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById(prefix + "-lat").value = position.coords.latitude.toFixed(6);
        var lng = document.getElementById(prefix + "-lng");
        lng.value = position.coords.longitude.toFixed(6);
        changed(lng);
      });
      return;
    }
    var addFilter = event.target.closest("[data-records-add-filter]");
    if (addFilter) {
      var rows = document.getElementById("filter-rows");
      var last = rows.querySelector(".filter-row:last-child");
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      rows.appendChild(copy);
    }
  });

  // A lookup's suggestions close when the person moves on.
  document.addEventListener("focusin", function (event) {
    document.querySelectorAll(".sk-lookup-results").forEach(function (list) {
      if (!list.closest(".sk-lookup").contains(event.target)) list.innerHTML = "";
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest(".sk-lookup")) return;
    document.querySelectorAll(".sk-lookup-results").forEach(function (list) { list.innerHTML = ""; });
  });

  document.addEventListener("input", function (event) {
    var text = event.target.closest("[data-lookup-text]");
    if (text && text.value === "") {
      var value = text.closest(".sk-lookup").querySelector("[data-lookup-value]");
      value.value = "";
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-records-upload]");
    if (!input || !input.files || !input.files.length) return;
    var files = Array.prototype.slice.call(input.files);
    Promise.all(files.map(function (file) { return upload(input, file); })).then(function () {
      input.value = "";
      changed(input.form || input);
    });
  });

  function setUp(root) {
    if (window.Sortable) {
      root.querySelectorAll("[data-subform-rows]").forEach(function (body) {
        if (body.dataset.sortable) return;
        body.dataset.sortable = "1";
        window.Sortable.create(body, {
          handle: ".sk-drag",
          animation: 150,
          onEnd: function () { changed(body); },
        });
      });
    }
    if (window.SignaturePad) {
      root.querySelectorAll("[data-records-signature]").forEach(function (box) {
        if (box.dataset.ready) return;
        box.dataset.ready = "1";
        var canvas = box.querySelector("canvas");
        var pad = new window.SignaturePad(canvas);
        // A canvas on a hidden tab has no width yet; size it when first used, while empty.
        var fit = function () {
          if (canvas.offsetWidth && canvas.width !== canvas.offsetWidth && pad.isEmpty()) {
            canvas.width = canvas.offsetWidth;
            pad.clear();
          }
        };
        fit();
        canvas.addEventListener("pointerenter", fit);
        box.querySelector("[data-signature-clear]").addEventListener("click", function () { pad.clear(); });
        box.querySelector("[data-signature-keep]").addEventListener("click", function () {
          if (pad.isEmpty()) return;
          var input = box.parentElement.querySelector("[data-records-upload]");
          canvas.toBlob(function (blob) {
            upload(input, blob, "signature.png").then(function () {
              pad.clear();
              changed(input.form || input);
            });
          }, "image/png");
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  if (document.readyState !== "loading") setUp(document);
})();
