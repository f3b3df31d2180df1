// Report charts: fetch each [data-chart-url] as JSON and draw it with Apache ECharts.
// Clicking a bar, point or slice opens the record list behind it (the row's drill URL).
(function () {
  "use strict";

  function formatValue(value, measure) {
    if (value === null || value === undefined) return "";
    var number = measure.percent ? value * 100 : value;
    var places = measure.decimals;
    if (places === null || places === undefined) places = Number.isInteger(number) ? 0 : 2;
    var text = number.toLocaleString(undefined, {minimumFractionDigits: places, maximumFractionDigits: places});
    return text + (measure.percent ? "%" : "") + (measure.unit ? " " + measure.unit : "");
  }

  function slices(data, kind) {
    var clicks = {};
    var items = data.rows.map(function (row, index) {
      clicks["0:" + index] = row.drill[0];
      return {name: row.labels.join(" / ") || data.label, value: row.values[0]};
    });
    var series = {type: kind, data: items};
    if (kind === "pie") series.radius = ["35%", "65%"];
    return {clicks: clicks, option: {tooltip: {trigger: "item"}, legend: {type: "scroll", bottom: 0}, series: [series]}};
  }

  function gauge(data) {
    var measure = data.measures[0];
    var row = data.rows[0];
    var top = (data.options || {}).max || (measure.percent ? 1 : 100);
    return {
      clicks: {"0:0": row ? row.drill[0] : null},
      option: {series: [{
        type: "gauge", min: 0, max: top,
        detail: {formatter: function (value) { return formatValue(value, measure); }},
        data: [{value: row ? row.values[0] : 0, name: measure.label}]
      }]}
    };
  }

  function axes(data, kind) {
    var clicks = {};
    var categories = [];
    var position = {};
    data.rows.forEach(function (row) {
      var name = row.labels.length ? row.labels[0] : data.label;
      if (!(name in position)) { position[name] = categories.length; categories.push(name); }
    });
    var type = (kind === "line" || kind === "area") ? "line" : "bar";
    var series = [];
    function empty() { return categories.map(function () { return null; }); }
    if (data.dimensions.length >= 2) {
      // Second dimension: one series per value, first measure.
      var seriesAt = {};
      data.rows.forEach(function (row) {
        var name = row.labels[1];
        if (!(name in seriesAt)) { seriesAt[name] = series.length; series.push({name: name, type: type, data: empty()}); }
        var s = seriesAt[name], c = position[row.labels[0]];
        series[s].data[c] = row.values[0];
        clicks[s + ":" + c] = row.drill[0];
      });
    } else {
      data.measures.forEach(function (measure) {
        series.push({
          name: measure.label, type: type, data: empty(),
          tooltip: {valueFormatter: function (v) { return formatValue(v, measure); }}
        });
      });
      data.rows.forEach(function (row) {
        var c = position[row.labels.length ? row.labels[0] : data.label];
        data.measures.forEach(function (measure, m) {
          series[m].data[c] = row.values[m];
          clicks[m + ":" + c] = row.drill[m];
        });
      });
    }
    series.forEach(function (s) {
      if (kind === "stacked_bar" || kind === "area") s.stack = "total";
      if (kind === "area") s.areaStyle = {};
    });
    var horizontal = (data.options || {}).horizontal;
    var category = {type: "category", data: categories};
    var value = valueAxis(data.dimensions.length >= 2 ? data.measures.slice(0, 1) : data.measures);
    if (type === "line" && !horizontal && data.dimensions.length < 2 && series.length > 1) {
      // Lines on very different scales (an average of 1 to 5 beside an NPS of -100 to 100):
      // those more than ten times off the first measure get their own axis on the right.
      var scale = function (s) {
        return Math.max.apply(null, s.data.map(function (v) { return Math.abs(v || 0); }).concat([1e-9]));
      };
      var first = scale(series[0]);
      var right = [];
      series.forEach(function (s, m) {
        var ratio = scale(s) / first;
        if (m > 0 && (ratio > 10 || ratio < 0.1)) { s.yAxisIndex = 1; right.push(data.measures[m]); }
      });
      if (right.length) {
        var left = data.measures.filter(function (measure) { return right.indexOf(measure) < 0; });
        value = [valueAxis(left), valueAxis(right)];
      }
    }
    return {clicks: clicks, option: {
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", bottom: 0},
      // Room above the plot for the save-as-image button, so it never covers an axis label.
      grid: {left: 16, right: 16, top: 48, bottom: 40, containLabel: true},
      toolbox: {feature: {saveAsImage: {}}},
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series
    }};
  }

  // A value axis; its labels are percentages when every measure on it is one.
  function valueAxis(measures) {
    var axis = {type: "value"};
    if (measures.length && measures.every(function (m) { return m.percent; })) {
      axis.axisLabel = {formatter: function (v) { return Math.round(v * 1000) / 10 + "%"; }};
    }
    return axis;
  }

  function kpi(element, data) {
    var measure = data.measures[0];
    var row = data.rows[0];
    var value = row ? row.values[0] : null;
    element.textContent = "";
    var link = document.createElement("a");
    link.className = "display-6 text-decoration-none sk-kpi-value";
    link.textContent = formatValue(value, measure) || "–";
    if (row) link.href = row.drill[0];
    element.appendChild(link);
    if (data.previous && data.previous[0] !== null && value !== null) {
      var before = data.previous[0];
      var change = document.createElement("div");
      change.className = "small " + (value >= before ? "text-success" : "text-danger");
      var percent = before ? ((value - before) / Math.abs(before)) * 100 : null;
      change.textContent = (value >= before ? "▲ " : "▼ ") + (percent === null ? "" : percent.toFixed(1) + "% ") +
        element.dataset.previousText.replace("%s", formatValue(before, measure));
      element.appendChild(change);
    }
    element.dataset.total = String(value);
  }

  function total(data) {
    var sum = 0;
    data.rows.forEach(function (row) { row.values.forEach(function (v) { if (typeof v === "number") sum += v; }); });
    return String(Math.round(sum * 1000000) / 1000000);
  }

  // Draw ``data`` (the shape of a report's data endpoint) into ``element``.
  function render(element, data) {
    var kind = element.dataset.chart;
    element.classList.remove("text-danger");
    if (kind === "kpi") { kpi(element, data); element.dataset.ready = "1"; return; }
    var built = kind === "pie" || kind === "funnel" ? slices(data, kind) : kind === "gauge" ? gauge(data) : axes(data, kind);
    var chart = window.echarts.getInstanceByDom(element);
    if (!chart) {
      element.textContent = "";  // an earlier failure's message
      if (element.dataset.height) element.style.height = element.dataset.height;
      chart = window.echarts.init(element);
    }
    element.dataset.settled = "0";
    chart.off("finished");
    // "finished" fires once animations are over: the chart is where a click would land.
    chart.on("finished", function () { element.dataset.settled = "1"; });
    chart.setOption(built.option, true);
    chart.off("click");
    chart.on("click", function (params) {
      var target = built.clicks[params.seriesIndex + ":" + params.dataIndex];
      if (target) window.location.href = target;
    });
    element.dataset.total = total(data);
    element.dataset.ready = "1";
  }

  // A refused or broken report says so in place of its chart.
  function fail(element, message) {
    var chart = window.echarts && window.echarts.getInstanceByDom(element);
    if (chart) chart.dispose();
    element.textContent = message;
    element.classList.add("text-danger");
    element.style.height = "auto";
  }

  function draw(element) {
    var url = element.dataset.chartUrl;
    if (element.dataset.drawn === url) return;
    element.dataset.drawn = url;
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      })
      .then(function (data) { render(element, data); })
      .catch(function (error) { fail(element, error.message); });
  }

  function drawAll() {
    document.querySelectorAll("[data-chart-url]").forEach(draw);
  }

  // The designers draw previews with the same code.
  window.skCharts = {render: render, draw: draw, fail: fail};

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
  document.addEventListener("htmx:afterSettle", drawAll);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".sk-chart").forEach(function (element) {
      var chart = window.echarts && window.echarts.getInstanceByDom(element);
      if (chart) chart.resize();
    });
  });
})();
