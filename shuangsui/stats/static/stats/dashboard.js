// 监管看板：按页面内嵌的图表数据（与旁边表格同源）用本地的 ECharts 画图。
(function () {
  "use strict";
  // 轴上的名称只取前 7 个字（完整名称在旁边的表格和提示框里）
  function short(text) { return text.length > 7 ? text.slice(0, 7) + "…" : text; }
  function draw() {
    var node = document.getElementById("chart-data");
    if (!node || !window.echarts) return;
    var charts = JSON.parse(node.textContent);
    var drawn = [];
    charts.forEach(function (c) {
      var el = document.getElementById("chart-" + c.id);
      if (!el) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: c.series.map(function (s) { return s.name; }) },
        grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 4 ? 30 : 0, formatter: short } },
        yAxis: { type: "value", name: c.unit },
        series: c.series.map(function (s) { return { name: s.name, type: c.kind, data: s.data }; })
      });
      el.setAttribute("data-rendered", "1");
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (ch) { ch.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
