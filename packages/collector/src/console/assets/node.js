// Node page: one uPlot chart per figure, from the #node-data block. Nulls stay nulls (spanGaps is
// off), so a sequence gap or a silence breaks the line instead of being bridged; each gap, silence
// and the minutes before a silence are also drawn as labelled bands over every chart.

(() => {
  const data = window.perimeterData('node-data');
  if (data === null || typeof uPlot !== 'function') {
    return;
  }
  const COLORS = ['#2456a6', '#c2410c', '#15803d', '#7c3aed', '#0e7490', '#be185d', '#854d0e', '#475569'];
  const THRESHOLD_COLORS = { 'sensor limit': '#b3261e', rule: '#d97706' };
  const fmtTime = (seconds) => new Date(seconds * 1000).toISOString().slice(11, 19);

  const drawBands = (u) => {
    for (const old of u.over.querySelectorAll('.band')) {
      old.remove();
    }
    const [min, max] = [u.scales.x.min, u.scales.x.max];
    for (const band of data.bands) {
      const from = Math.max(band.fromMs / 1000, min);
      const to = Math.min(band.toMs / 1000, max);
      if (to < min || from > max || to < from) {
        continue;
      }
      const left = u.valToPos(from, 'x');
      const right = u.valToPos(to, 'x');
      const div = document.createElement('div');
      div.className = `band ${band.kind}`;
      div.dataset.gapKind = band.kind;
      div.title = band.label;
      div.style.left = `${left}px`;
      div.style.width = `${Math.max(2, right - left)}px`;
      const label = document.createElement('span');
      label.className = 'band-label';
      label.textContent = band.label;
      div.appendChild(label);
      u.over.appendChild(div);
    }
  };

  const plots = [];
  for (const chart of data.charts) {
    const figure = document.getElementById(`chart-${chart.id}`);
    const target = figure?.querySelector('.plot');
    if (!target || chart.series.length === 0) {
      continue;
    }
    const series = [{ value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString()) }];
    const columns = [data.x];
    chart.series.forEach((s, index) => {
      series.push({
        label: s.label,
        stroke: COLORS[index % COLORS.length],
        width: 1.5,
        spanGaps: false,
        value: (_u, v) => (v === null ? '—' : `${v} ${chart.unit}`),
      });
      columns.push(s.values);
    });
    for (const t of chart.thresholds) {
      series.push({
        label: `${t.label} (${t.source})`,
        stroke: THRESHOLD_COLORS[t.source] ?? '#b3261e',
        dash: [6, 4],
        width: 1,
        points: { show: false },
        value: () => `${t.value} ${chart.unit}`,
      });
      columns.push(data.x.map(() => t.value));
    }
    const plot = new uPlot(
      {
        width: Math.max(300, target.clientWidth || 600),
        height: 220,
        series,
        scales: { x: { time: true } },
        axes: [{ values: (_u, ticks) => ticks.map(fmtTime) }, { label: chart.unit }],
        hooks: { draw: [drawBands] },
      },
      columns,
      target,
    );
    plot.root.dataset.ready = 'true';
    plots.push([plot, target]);
  }
  window.addEventListener('resize', () => {
    for (const [plot, target] of plots) {
      plot.setSize({ width: Math.max(300, target.clientWidth), height: 220 });
    }
  });
  // Milliseconds from navigation start to the charts drawn (bench/console.ts reads it).
  document.body.dataset.chartsReadyMs = String(Math.round(performance.now()));
  document.body.dataset.chartsReady = String(plots.length);
})();
