// The report designer: drag fields (SortableJS, fallback mode) into Dimensions and Measures, set
// aggregations, buckets, chart, filter, sort and limit; every change autosaves the draft and
// redraws the preview from the builder's real records (the same chart code as the report page).
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("designer-config").textContent);
  var texts = JSON.parse(document.getElementById("designer-texts").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var body = null;
  var fields = {};  // path -> catalog entry
  var order = [];  // catalog entries in form order
  var draft = null;
  var problems = {draft: [], preview: []};
  var previewTimer = null;
  var previewSeq = 0;

  function csrf() { return document.querySelector('meta[name="csrf-token"]').content; }

  function showProblems() {
    window.skReportProblems.mark([problems.draft, problems.preview]);
    // The draft's problems are in the shell's list; the preview's own are under the chart.
    var listed = {};
    problems.draft.forEach(function (p) { listed[p.path + "|" + p.message] = true; });
    window.skReportProblems.list($("preview-problems"), problems.preview.filter(function (p) {
      return !listed[p.path + "|" + p.message];
    }));
  }

  // ---- the body -----------------------------------------------------------------------------

  function starter() {
    return {key: config.key, label: {en: config.key}, chart: {type: "bar"}};
  }

  function changed() {
    if (!body.dimensions || !body.dimensions.length) delete body.dimensions;
    if (!body.measures || !body.measures.length) delete body.measures;
    draft.save(body);
    renderChips();
    renderSelects();
    schedulePreview();
  }

  function fieldLabel(path) {
    if (!path) return texts.records;
    return fields[path] ? fields[path].label : path;
  }

  // ---- field list ---------------------------------------------------------------------------

  var ICONS = {select: "bi-list-ul", date: "bi-calendar", datetime: "bi-calendar-event", integer: "bi-123",
    decimal: "bi-123", number: "bi-123", duration: "bi-stopwatch", user: "bi-person", lookup: "bi-link-45deg",
    boolean: "bi-toggle-on", text: "bi-fonts", long_text: "bi-text-paragraph"};

  function fieldItem(entry) {
    var li = document.createElement("li");
    li.className = "list-group-item list-group-item-action sk-field py-1";
    li.dataset.path = entry.path;
    li.dataset.dimension = entry.dimension ? "1" : "0";
    li.dataset.measure = entry.measure ? "1" : "0";
    var icon = document.createElement("i");
    icon.className = "bi me-2 " + (ICONS[entry.type] || "bi-dot");
    icon.setAttribute("aria-hidden", "true");
    li.appendChild(icon);
    li.appendChild(document.createTextNode(entry.label));
    var small = document.createElement("small");
    small.className = "text-body-secondary ms-1";
    small.textContent = entry.path ? "(" + entry.path + ")" : "";
    li.appendChild(small);
    return li;
  }

  function loadFields() {
    var list = $("field-list");
    list.textContent = "";
    fields = {};
    order = [];
    if (!body.form) {
      var hint = document.createElement("li");
      hint.className = "list-group-item text-body-secondary small sk-hint";
      hint.textContent = texts.chooseForm;
      list.appendChild(hint);
      return Promise.resolve();
    }
    return fetch(config.fieldsUrl.replace("FORM", encodeURIComponent(body.form)), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {fields: []}; })
      .then(function (data) {
        list.appendChild(fieldItem({path: "", label: texts.records, type: "count", dimension: false, measure: true}));
        data.fields.forEach(function (entry) {
          fields[entry.path] = entry;
          order.push(entry);
          list.appendChild(fieldItem(entry));
        });
      });
  }

  // ---- chips --------------------------------------------------------------------------------

  function fromTemplate(id) { return $(id).content.firstElementChild.cloneNode(true); }

  function toggle(el, show) { el.classList.toggle("d-none", !show); }

  function renderDimension(dim, index) {
    var li = fromTemplate("dimension-template");
    var here = "$.dimensions[" + index + "]";
    var entry = fields[dim.field] || {};
    li.dataset.path = here;
    li.dataset.field = dim.field;
    li.querySelector(".sk-chip-label").textContent = fieldLabel(dim.field);
    var bucket = li.querySelector(".sk-bucket");
    bucket.value = dim.bucket || "";
    bucket.dataset.path = here + ".bucket";
    toggle(li.querySelector(".sk-bucket-box"), !!entry.date || !!dim.bucket);
    var ranges = li.querySelector(".sk-ranges");
    ranges.value = (dim.ranges || []).join(", ");
    ranges.dataset.path = here + ".ranges";
    toggle(li.querySelector(".sk-ranges-box"), !!entry.number || !!(dim.ranges && dim.ranges.length));
    bucket.addEventListener("change", function () {
      if (bucket.value) dim.bucket = bucket.value; else delete dim.bucket;
      changed();
    });
    ranges.addEventListener("change", function () {
      var values = ranges.value.split(/[,，\s]+/).filter(Boolean).map(Number).filter(function (n) { return !isNaN(n); });
      if (values.length) dim.ranges = values.slice(0, 20); else delete dim.ranges;
      changed();
    });
    li.querySelector(".sk-remove").addEventListener("click", function () {
      body.dimensions.splice(index, 1);
      changed();
    });
    return li;
  }

  var measures = window.skReportMeasures({
    body: function () { return body; }, field: function (path) { return fields[path]; },
    fieldLabel: fieldLabel, changed: function () { changed(); }
  });

  function renderChips() {
    [["dimensions", renderDimension], ["measures", measures.render]].forEach(function (pair) {
      var list = $(pair[0]);
      list.textContent = "";
      (body[pair[0]] || []).forEach(function (item, index) { list.appendChild(pair[1](item, index)); });
      if (!list.children.length) {
        var empty = document.createElement("li");
        empty.className = "list-group-item text-body-secondary small sk-empty";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
      }
    });
  }

  // ---- the other settings -------------------------------------------------------------------

  function options(select, items, value) {
    select.textContent = "";
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item[0];
      option.textContent = item[1];
      select.appendChild(option);
    });
    select.value = value;
  }

  function renderSelects() {
    var dates = [["", texts.created]].concat(order.filter(function (e) {
      return e.date && e.group !== "subform" && e.path !== "created_at";
    }).map(function (e) { return [e.path, e.label]; }));
    options($("date-field"), dates, body.date_field || "");
    var sorts = [["", "—"]].concat((body.measures || []).map(function (m) { return [m.key, measures.label(m)]; }),
      (body.dimensions || []).map(function (d) { return [d.field, fieldLabel(d.field)]; }));
    var first = (body.sort || [])[0] || {};
    options($("sort-by"), sorts, first.by || "");
    $("sort-descending").checked = !!first.descending;
  }

  function readLabel() {
    var zh = $("report-label-zh").value.trim(), en = $("report-label-en").value.trim();
    var label = {};
    if (zh) label.zh = zh;
    if (en) label.en = en;
    body.label = Object.keys(label).length ? label : config.key;
    changed();
  }

  // The filter is typed in the shared rule editor, checked against the source form's fields.
  var filterEditor = null;
  function bindFilter() {
    var root = $("report-filter");
    root.dataset.form = body.form || "";
    root.querySelector(".sk-rule-input").value = body.filter || "";
    filterEditor = window.SkRuleEditor.attach(root, {
      onInput: function (text) {
        text = text.trim();
        if ((body.filter || "") === text) return;
        if (text) body.filter = text; else delete body.filter;
        changed();
      },
    });
  }

  function bindSettings() {
    var label = body.label || {};
    $("report-label-zh").value = typeof label === "string" ? label : (label.zh || "");
    $("report-label-en").value = typeof label === "string" ? "" : (label.en || "");
    $("report-form").value = body.form || "";
    var chart = body.chart || {};
    $("chart-type").value = chart.type || "bar";
    $("chart-horizontal").checked = !!chart.horizontal;
    bindFilter();
    $("report-limit").value = body.limit || "";
    $("report-label-zh").addEventListener("input", readLabel);
    $("report-label-en").addEventListener("input", readLabel);
    $("report-form").addEventListener("change", function () {
      body.form = $("report-form").value;
      if (!body.form) delete body.form;
      // Fields of another form mean nothing here.
      ["dimensions", "measures", "filter", "sort", "date_field"].forEach(function (k) { delete body[k]; });
      $("report-filter").dataset.form = body.form || "";
      filterEditor.value = "";
      loadFields().then(changed);
    });
    $("chart-type").addEventListener("change", function () {
      body.chart = Object.assign({}, body.chart || {}, {type: $("chart-type").value});
      changed();
    });
    $("chart-horizontal").addEventListener("change", function () {
      body.chart = Object.assign({}, body.chart || {type: "bar"});
      if ($("chart-horizontal").checked) body.chart.horizontal = true; else delete body.chart.horizontal;
      changed();
    });
    $("report-limit").addEventListener("change", function () {
      var value = parseInt($("report-limit").value, 10);
      if (value >= 1) body.limit = Math.min(value, 10000); else delete body.limit;
      changed();
    });
    $("date-field").addEventListener("change", function () {
      if ($("date-field").value) body.date_field = $("date-field").value; else delete body.date_field;
      changed();
    });
    function setSort() {
      var by = $("sort-by").value;
      if (by) body.sort = [{by: by, descending: $("sort-descending").checked}]; else delete body.sort;
      changed();
    }
    $("sort-by").addEventListener("change", setSort);
    $("sort-descending").addEventListener("change", setSort);
  }

  // ---- drag and drop ------------------------------------------------------------------------

  function bindDragging() {
    var common = {forceFallback: true, animation: 120, fallbackTolerance: 3};
    window.Sortable.create($("field-list"), Object.assign({}, common, {
      group: {name: "report-fields", pull: "clone", put: false}, sort: false, filter: ".sk-hint"
    }));
    function zone(name, accepts) {
      window.Sortable.create($(name), Object.assign({}, common, {
        group: {name: name, pull: false, put: function (to, from, item) {
          return from.el.id === "field-list" && item.dataset[accepts] === "1";
        }},
        handle: ".sk-handle, .sk-chip-label", filter: ".sk-empty",
        onAdd: function (evt) {
          var path = evt.item.dataset.path;
          evt.item.remove();
          body[name] = body[name] || [];
          var at = Math.min(evt.newIndex, body[name].length);
          if (name === "dimensions") body.dimensions.splice(at, 0, {field: path});
          else body.measures.splice(at, 0, measures.create(path));
          changed();
        },
        onUpdate: function (evt) {
          var list = body[name] || [];
          var moved = list.splice(evt.oldIndex, 1)[0];
          if (moved) list.splice(evt.newIndex, 0, moved);
          changed();
        }
      }));
    }
    zone("dimensions", "dimension");
    zone("measures", "measure");
  }

  // ---- preview ------------------------------------------------------------------------------

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, 400);
  }

  function previewTable(data) {
    var table = $("preview-table");
    table.textContent = "";
    if (!data) return;
    var head = table.createTHead().insertRow();
    data.dimensions.concat(data.measures.map(function (m) { return m.label; })).forEach(function (text) {
      var th = document.createElement("th");
      th.textContent = text;
      head.appendChild(th);
    });
    var tbody = table.createTBody();
    data.rows.slice(0, 50).forEach(function (row) {
      var tr = tbody.insertRow();
      row.labels.concat(row.values).forEach(function (value) { tr.insertCell().textContent = value === null ? "" : value; });
    });
  }

  function runPreview() {
    var chart = $("preview-chart");
    var seq = ++previewSeq;
    var root = $("report-designer");
    root.dataset.preview = "loading";
    fetch(config.previewUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify({body: body})
    }).then(function (r) { return r.json(); }).then(function (result) {
      if (seq !== previewSeq) return;  // a newer preview is on its way
      problems.preview = result.problems || [];
      showProblems();
      previewTable(result.data);
      var kind = (body.chart || {}).type || "bar";
      var existing = window.echarts.getInstanceByDom(chart);
      if (existing && (chart.dataset.chart !== kind || !result.data)) existing.dispose();
      chart.dataset.chart = kind;
      chart.dataset.ready = "0";
      if (!result.data) {
        chart.textContent = "";
        chart.classList.add("d-none");
        $("preview-message").textContent = texts.notRun;
        root.dataset.preview = "problems";
        return;
      }
      $("preview-message").textContent = result.data.rows.length ? "" : texts.noRows;
      chart.classList.toggle("d-none", kind === "table" || kind === "pivot");
      if (kind !== "table" && kind !== "pivot") {
        if (kind === "kpi") { chart.style.height = "auto"; } else { chart.style.height = chart.dataset.height; }
        window.skCharts.render(chart, result.data);
      }
      root.dataset.preview = "ok";
    }).catch(function () { root.dataset.preview = "error"; });
  }

  // ---- start --------------------------------------------------------------------------------

  function start() {
    draft = window.skReportsDraft(config.draftUrl);
    draft.onProblems(function (list) { problems.draft = list; showProblems(); });
    draft.onProblemClick(window.skReportProblems.reveal);
    draft.load().then(function (data) {
      var stored = data.body && typeof data.body === "object" ? data.body : {};
      // A new report starts as a bar chart named after its key.
      body = data.revision || data.published_version ? stored : Object.assign(starter(), stored);
      bindSettings();
      bindDragging();
      return loadFields();
    }).then(function () {
      renderChips();
      renderSelects();
      $("report-designer").dataset.ready = "1";
      schedulePreview();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
