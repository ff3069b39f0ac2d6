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

// ---- online energy monitoring (issue 7): live load curves --------------------------------
// An element with data-live polls its JSON URL every data-poll-ms milliseconds and replaces
// the curve's points, so the chart moves as readings reach the lake. The page's point count
// (data-testid=load-points) and latest reading follow.
(function () {
  "use strict";

  function localTime(epoch) {
    const d = new Date((epoch + 8 * 3600) * 1000);
    return d.toISOString().slice(0, 16).replace("T", " ");
  }

  async function refresh(el) {
    if (typeof echarts === "undefined") return;
    const chart = echarts.getInstanceByDom(el);
    if (!chart) return;
    let response;
    try {
      response = await fetch(el.dataset.live, { credentials: "same-origin" });
    } catch (err) {
      return; // offline for a moment: the next poll tries again
    }
    if (!response.ok || !el.isConnected) return;
    const model = await response.json();
    const shift = Number(el.dataset.shiftMs || "0"); // the axis shows China time
    chart.setOption({ series: [{ data: model.points.map(([t, kw]) => [t + shift, kw]) }] });
    const card = el.closest("section") || document;
    const count = card.querySelector("[data-testid=load-points]");
    if (count) count.textContent = String(model.points.length);
    const last = card.querySelector("[data-testid=load-last]");
    if (last && model.last_ts) last.textContent = localTime(model.last_ts);
    el.dataset.polls = String(Number(el.dataset.polls || "0") + 1);
  }

  function startLive() {
    document.querySelectorAll("[data-live]").forEach((el) => {
      const every = Math.max(1000, Number(el.dataset.pollMs || "5000"));
      const timer = window.setInterval(() => {
        if (!el.isConnected) { window.clearInterval(timer); return; }
        if (document.visibilityState === "visible") refresh(el);
      }, every);
    });
  }

  document.addEventListener("DOMContentLoaded", startLive);
})();
