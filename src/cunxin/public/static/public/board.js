// The board's grade chart (ECharts). The table under it holds the same counts, so the page
// reads the same without JavaScript; the chart only appears once it can be drawn.
(function () {
  var box = document.getElementById("grade-chart");
  var data = document.getElementById("grade-data");
  if (!box || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  box.hidden = false;
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 40, right: 16, top: 24, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: d.grades, axisLabel: { fontSize: 15 } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 13 } },
    series: [{
      name: d.label,
      type: "bar",
      data: d.counts,
      itemStyle: { color: "#c8161e" },
      label: { show: true, position: "top", fontSize: 15 },
    }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
