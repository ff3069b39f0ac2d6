// citycarbon UI glue: charts from server-built ECharts options, map registration, CSV of
// any shown table, and the trace dialog. No framework; htmx does the requests.
(function () {
  "use strict";
  const charts = new Map();
  // A click that leaves the page can come while a map's boundaries are still on their way:
  // drawing into a document being torn down throws inside ECharts, so stop drawing then.
  let leaving = false;

  async function initChart(el) {
    if (charts.has(el) || typeof echarts === "undefined") return;
    const source = el.dataset.option ? document.getElementById(el.dataset.option) : null;
    if (!source) return;
    const option = JSON.parse(source.textContent);
    if (el.dataset.geo) {
      const name = el.dataset.geoName;
      if (!echarts.getMap(name)) {
        const response = await fetch(el.dataset.geo, { credentials: "same-origin" });
        const geo = await response.json();
        if (leaving || !el.isConnected) return;
        if (!echarts.getMap(name)) echarts.registerMap(name, geo);
      }
    }
    if (leaving || !el.isConnected || charts.has(el)) return;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    // listen before setOption: ECharts may finish drawing inside setOption itself
    chart.on("finished", () => { el.dataset.rendered = "true"; });
    chart.on("click", (params) => {
      const url = params.data && params.data.url;
      if (url) window.location.href = url;
    });
    chart.setOption(option);
    charts.set(el, chart);
  }

  function initAll(root) {
    root.querySelectorAll("[data-option]").forEach((el) => { initChart(el); });
    root.querySelectorAll("table.data").forEach(addCsvButton);
  }

  function cellText(cell) {
    const text = cell.dataset.value !== undefined ? cell.dataset.value : cell.innerText.trim();
    return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function addCsvButton(table) {
    if (table.dataset.csvReady) return;
    table.dataset.csvReady = "1";
    const zh = document.body.dataset.lang !== "en";
    const bar = document.createElement("div");
    bar.className = "table-tools";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = zh ? "导出 CSV" : "Export CSV";
    button.dataset.testid = "csv";
    button.addEventListener("click", () => {
      const rows = Array.from(table.querySelectorAll("tr")).map((tr) =>
        Array.from(tr.querySelectorAll("th,td")).map(cellText).join(","));
      // BOM: spreadsheet programs then read the Chinese text as UTF-8
      const blob = new Blob(["\ufeff" + rows.join("\r\n")], { type: "text/csv;charset=utf-8" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = (table.dataset.csv || "table") + ".csv";
      link.click();
      URL.revokeObjectURL(link.href);
    });
    bar.appendChild(button);
    table.parentNode.insertBefore(bar, table);
  }

  document.addEventListener("DOMContentLoaded", () => initAll(document));
  document.addEventListener("htmx:afterSwap", (event) => {
    initAll(event.detail.target);
    const dialog = event.detail.target.closest("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  window.addEventListener("pagehide", () => {
    leaving = true;
    charts.forEach((c) => c.dispose());
    charts.clear();
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // restored from the back-forward cache: draw again
    leaving = false;
    initAll(document);
  });
})();
