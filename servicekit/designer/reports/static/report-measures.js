// The report designer's measures: keys, labels, a new measure from a dropped field, and the
// measure chip with its aggregation, percentile, ratio, KPI, filter and number format.
(function () {
  "use strict";

  // ``ctx``: body() the report body, field(path) its catalog entry, fieldLabel(path), changed().
  window.skReportMeasures = function (ctx) {
    var $ = function (id) { return document.getElementById(id); };
    function toggle(el, show) { el.classList.toggle("d-none", !show); }
    function fromTemplate(id) { return $(id).content.firstElementChild.cloneNode(true); }
    function fieldLabel(path) { return ctx.fieldLabel(path); }
    function changed() { ctx.changed(); }

    // A measure key from its aggregation and field, unique among the other measures.
    function keyFor(aggregate, path, self) {
      var base = (aggregate + (path ? "_" + path : "")).toLowerCase().replace(/[^a-z0-9_]+/g, "_").slice(0, 26);
      if (!/^[a-z]/.test(base)) base = "m_" + base;
      var key = base, n = 2;
      var taken = (ctx.body().measures || []).filter(function (m) { return m !== self; })
        .map(function (m) { return m.key; });
      while (taken.indexOf(key) >= 0) { key = base + "_" + n; n += 1; }
      return key;
    }

    function renameMeasure(measure, key) {
      var old = measure.key;
      measure.key = key;
      (ctx.body().sort || []).forEach(function (s) { if (s.by === old) s.by = key; });
      (ctx.body().measures || []).forEach(function (m) {
        if (m.numerator === old) m.numerator = key;
        if (m.denominator === old) m.denominator = key;
      });
    }

    function aggregateText(name) {
      var option = $("measure-template").content.querySelector('.sk-aggregate option[value="' + name + '"]');
      return option ? option.textContent : name;
    }

    function labelText(label) {
      if (!label) return "";
      if (typeof label === "string") return label;
      var zh = document.documentElement.lang.indexOf("zh") === 0;
      return (zh ? label.zh || label.en : label.en || label.zh) || "";
    }

    function chipLabel(m) { return labelText(m.label) || measureLabel(m); }

    function measureLabel(m) {
      if (m.kpi) return m.kpi;
      var kind = m.aggregate || "count";
      if (!m.field) return aggregateText(kind);
      return aggregateText(kind) + " · " + fieldLabel(m.field);
    }

    function newMeasure(path) {
      var entry = ctx.field(path);
      var aggregate = entry && entry.number && entry.group !== "system" ? "sum" : "count";
      var m = {key: keyFor(aggregate, path), aggregate: aggregate};
      if (path) m.field = path;
      m.label = measureLabel(m);
      return m;
    }

    function renderMeasure(m, index) {
      var li = fromTemplate("measure-template");
      var here = "$.measures[" + index + "]";
      li.dataset.path = here;
      li.dataset.key = m.key;
      li.dataset.field = m.field || "";
      li.querySelector(".sk-chip-label").textContent = chipLabel(m);
      var aggregate = li.querySelector(".sk-aggregate");
      aggregate.value = m.kpi ? "kpi" : (m.aggregate || "count");
      aggregate.dataset.path = here + ".aggregate";
      var kind = aggregate.value;
      toggle(li.querySelector(".sk-percentile-box"), kind === "percentile");
      toggle(li.querySelector(".sk-kpi-box"), kind === "kpi");
      li.querySelectorAll(".sk-ratio-box").forEach(function (box) { toggle(box, kind === "ratio"); });
      var percentile = li.querySelector(".sk-percentile");
      percentile.value = m.percentile || "";
      percentile.dataset.path = here + ".percentile";
      var kpi = li.querySelector(".sk-kpi");
      kpi.value = m.kpi || kpi.value;
      kpi.dataset.path = here + ".kpi";
      ["numerator", "denominator"].forEach(function (part) {
        var select = li.querySelector(".sk-" + part);
        select.dataset.path = here + "." + part;
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = part === "numerator" ? "÷ ?" : "? ÷";
        select.appendChild(blank);
        (ctx.body().measures || []).forEach(function (other) {
          if (other.key === m.key) return;
          var option = document.createElement("option");
          option.value = other.key;
          option.textContent = other.key;
          select.appendChild(option);
        });
        select.value = m[part] || "";
        select.addEventListener("change", function () {
          if (select.value) m[part] = select.value; else delete m[part];
          changed();
        });
      });
      var filter = li.querySelector(".sk-measure-filter");
      filter.value = m.filter || "";
      filter.dataset.path = here + ".filter";
      var format = m.format || {};
      var decimals = li.querySelector(".sk-decimals"), unit = li.querySelector(".sk-unit"), percent = li.querySelector(".sk-percent");
      decimals.value = format.decimals === undefined ? "" : format.decimals;
      unit.value = format.unit || "";
      percent.checked = !!format.percent;

      aggregate.addEventListener("change", function () {
        var value = aggregate.value;
        delete m.kpi; delete m.percentile; delete m.numerator; delete m.denominator; delete m.params;
        if (value === "kpi") { delete m.aggregate; m.kpi = kpi.value; }
        else m.aggregate = value;
        if (value === "percentile") m.percentile = 0.9;
        if (value === "ratio" || value === "kpi") delete m.field;
        renameMeasure(m, keyFor(value === "kpi" ? kpi.value : value, m.field, m));
        m.label = measureLabel(m);
        changed();
      });
      kpi.addEventListener("change", function () {
        m.kpi = kpi.value;
        renameMeasure(m, keyFor(kpi.value, "", m));
        m.label = measureLabel(m);
        changed();
      });
      percentile.addEventListener("change", function () {
        var value = parseFloat(percentile.value);
        if (value > 0 && value < 1) m.percentile = value; else delete m.percentile;
        changed();
      });
      filter.addEventListener("change", function () {
        if (filter.value.trim()) m.filter = filter.value.trim(); else delete m.filter;
        changed();
      });
      function setFormat() {
        var f = {};
        if (decimals.value !== "") f.decimals = Math.max(0, Math.min(6, parseInt(decimals.value, 10) || 0));
        if (unit.value.trim()) f.unit = unit.value.trim();
        if (percent.checked) f.percent = true;
        if (Object.keys(f).length) m.format = f; else delete m.format;
        changed();
      }
      [decimals, unit, percent].forEach(function (el) { el.addEventListener("change", setFormat); });
      li.querySelector(".sk-remove").addEventListener("click", function () {
        var body = ctx.body();
        body.measures.splice(index, 1);
        if (body.sort) body.sort = body.sort.filter(function (s) { return s.by !== m.key; });
        if (body.sort && !body.sort.length) delete body.sort;
        changed();
      });
      return li;
    }

    return {create: newMeasure, render: renderMeasure, label: chipLabel};
  };
})();
