// The dashboard designer: a 12-column gridstack grid of report widgets. Drag a report from the
// list onto the grid (or press Add), move and resize widgets, remove them; the arrangement
// (x, y, width, height) and the shared filters autosave into the dashboard's draft.
(function () {
  "use strict";

  var COLUMNS = 12;
  var config = JSON.parse(document.getElementById("designer-config").textContent);
  var texts = JSON.parse(document.getElementById("designer-texts").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var reports = {};
  config.reports.forEach(function (r) { reports[r.key] = r; });
  var body = null;
  var grid = null;
  var draft = null;
  var loading = true;

  function starter() { return {key: config.key, label: {en: config.key}, widgets: []}; }

  function save() {
    if (!loading) draft.save(body);
  }

  // ---- widgets ------------------------------------------------------------------------------

  function drawChart(el, widget) {
    var box = el.querySelector(".sk-widget-chart");
    var report = reports[widget.report] || {chart: "bar"};
    box.textContent = "";
    var chart = document.createElement("div");
    chart.className = report.chart === "kpi" ? "sk-kpi" : "sk-chart";
    chart.dataset.chart = report.chart === "table" || report.chart === "pivot" ? "bar" : report.chart;
    chart.dataset.chartUrl = config.chartUrl.replace("REPORT", encodeURIComponent(widget.report));
    chart.dataset.previousText = texts.previous;
    chart.style.height = report.chart === "kpi" ? "auto" : "100%";
    box.appendChild(chart);
    window.skCharts.draw(chart);
  }

  // Turn ``el`` (a grid item: made here or dropped from the list) into a widget of ``widget``.
  function decorate(el, widget) {
    el.textContent = "";
    el.classList.remove("card", "card-body", "p-2", "sk-widget-source");
    el.classList.add("sk-widget");
    el.dataset.report = widget.report;
    el._skWidget = widget;
    el.appendChild($("widget-template").content.firstElementChild.cloneNode(true));
    var report = reports[widget.report];
    el.querySelector(".sk-widget-title").textContent = report ? report.label : widget.report;
    el.querySelector(".sk-remove").addEventListener("click", function () {
      grid.removeWidget(el);
    });
    drawChart(el, widget);
  }

  function addWidget(widget) {
    var el = document.createElement("div");
    var report = reports[widget.report] || {};
    var size = {w: widget.width || 6, h: widget.height || (report.chart === "kpi" ? 2 : 4)};
    var options = {w: Math.min(size.w, COLUMNS), h: size.h};
    if (widget.x !== undefined && widget.y !== undefined) { options.x = widget.x; options.y = widget.y; }
    else options.autoPosition = true;
    decorate(el, widget);
    $("dashboard-grid").appendChild(el);
    grid.makeWidget(el, options);
  }

  // A report from the list as a new widget of its default size, at (x, y) or the first free place.
  function addFromSource(key, x, y) {
    var source = document.querySelector('#widget-sources .sk-widget-source[data-report="' + key + '"]');
    var widget = {report: key, width: parseInt(source.dataset.w, 10), height: parseInt(source.dataset.h, 10)};
    if (x !== undefined && grid.getColumn() === COLUMNS) {
      widget.x = Math.min(x, COLUMNS - widget.width);
      widget.y = y;
    }
    addWidget(widget);
  }

  // The widgets in reading order (top to bottom, left to right), as the phone stacks them.
  function collect() {
    if (grid.getColumn() !== COLUMNS) return;  // a one-column phone view is not an arrangement
    var nodes = grid.engine.nodes.slice().sort(function (a, b) { return a.y - b.y || a.x - b.x; });
    body.widgets = nodes.map(function (node) {
      var widget = Object.assign({}, node.el._skWidget || {report: node.el.dataset.report});
      widget.x = node.x;
      widget.y = node.y;
      widget.width = node.w;
      widget.height = node.h;
      return widget;
    });
    $("dashboard-grid").dataset.count = String(body.widgets.length);
    save();
  }

  function resizeCharts(el) {
    var chart = el.querySelector(".sk-chart");
    var instance = chart && window.echarts && window.echarts.getInstanceByDom(chart);
    if (instance) instance.resize();
  }

  function bindGrid() {
    grid = window.GridStack.init({
      column: COLUMNS, cellHeight: 80, margin: 6, float: false, animate: false,
      handle: ".sk-widget-head",
      resizable: {handles: "se"},
      columnOpts: {breakpointForWindow: true, breakpoints: [{w: 768, c: 1}]}
    }, $("dashboard-grid"));
    // Reports come from the list with SortableJS in fallback mode (plain mouse events, the same
    // by hand and under automation); where the pointer is let go picks the widget's cell.
    window.Sortable.create($("widget-sources"), {
      group: {name: "dashboard-reports", pull: "clone", put: false}, sort: false,
      forceFallback: true, fallbackTolerance: 3, filter: ".sk-add", preventOnFilter: false,
      onEnd: function (evt) {
        var point = evt.originalEvent && evt.originalEvent.changedTouches ? evt.originalEvent.changedTouches[0] : evt.originalEvent;
        var box = $("dashboard-grid").getBoundingClientRect();
        if (!point || point.clientX < box.left || point.clientX > box.right || point.clientY < box.top || point.clientY > box.bottom + 80) return;
        var columns = grid.getColumn();
        var x = Math.floor((point.clientX - box.left) / (box.width / columns));
        var y = Math.floor((point.clientY - box.top) / grid.getCellHeight(true));
        addFromSource(evt.item.dataset.report, Math.max(0, x), Math.max(0, y));
      }
    });
    grid.on("change added removed", collect);
    grid.on("resizestop", function (event, el) { resizeCharts(el); });
    document.querySelectorAll("#widget-sources .sk-add").forEach(function (button) {
      button.addEventListener("click", function () {
        addFromSource(button.closest(".sk-widget-source").dataset.report);
      });
    });
  }

  // ---- label and shared filters ---------------------------------------------------------------

  function bindSettings() {
    var label = body.label || {};
    $("dashboard-label-zh").value = typeof label === "string" ? label : (label.zh || "");
    $("dashboard-label-en").value = typeof label === "string" ? "" : (label.en || "");
    function readLabel() {
      var zh = $("dashboard-label-zh").value.trim(), en = $("dashboard-label-en").value.trim();
      var next = {};
      if (zh) next.zh = zh;
      if (en) next.en = en;
      body.label = Object.keys(next).length ? next : config.key;
      save();
    }
    $("dashboard-label-zh").addEventListener("input", readLabel);
    $("dashboard-label-en").addEventListener("input", readLabel);
    var filters = body.filters || {};
    $("dashboard-range").value = filters.date_range || "all";
    var boxes = document.querySelectorAll(".sk-select-filter");
    boxes.forEach(function (box) { box.checked = (filters.selects || []).indexOf(box.value) >= 0; });
    function readFilters() {
      var next = Object.assign({}, body.filters || {});
      next.date_range = $("dashboard-range").value;
      var chosen = [];
      boxes.forEach(function (box) { if (box.checked) chosen.push(box.value); });
      if (chosen.length) next.selects = chosen.slice(0, 4); else delete next.selects;
      // At most four shared selects: the fifth box cannot be ticked.
      boxes.forEach(function (box) { box.disabled = !box.checked && chosen.length >= 4; });
      body.filters = next;
      save();
    }
    $("dashboard-range").addEventListener("change", readFilters);
    boxes.forEach(function (box) { box.addEventListener("change", readFilters); });
  }

  // ---- start --------------------------------------------------------------------------------

  function start() {
    draft = window.skReportsDraft(config.draftUrl);
    draft.onProblems(function (list) { window.skReportProblems.mark([list]); });
    draft.onProblemClick(window.skReportProblems.reveal);
    draft.load().then(function (data) {
      var stored = data.body && typeof data.body === "object" ? data.body : {};
      body = data.revision || data.published_version ? stored : Object.assign(starter(), stored);
      bindSettings();
      bindGrid();
      grid.batchUpdate();
      (body.widgets || []).forEach(addWidget);
      grid.batchUpdate(false);
      loading = false;
      $("dashboard-grid").dataset.count = String((body.widgets || []).length);
      $("dashboard-designer").dataset.ready = "1";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
