// Draws the charts of report.html from the JSON in #run-data. Sets data-charts-rendered on <body>
// to the number of charts drawn (data-charts-expected says how many there should be).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('run-data').textContent);
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
    '#17becf', '#7f7f7f', '#bcbd22'];
  var VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  var LO = -8, HI = 0;

  function color(i) { return PALETTE[i % PALETTE.length]; }

  // Steps and epochs are integers: ticks at 1, 2, 5, 10, 20, 50, ... only.
  var INTEGER_INCRS = [];
  for (var decade = 1; decade <= 1e9; decade *= 10) {
    INTEGER_INCRS.push(decade, 2 * decade, 5 * decade);
  }

  function formatNumber(v) {
    if (v === null || v === undefined) { return ""; }
    if (v === 0) { return "0"; }
    var a = Math.abs(v);
    return a < 1e-2 || a >= 1e5 ? v.toExponential(1) : String(+v.toPrecision(4));
  }

  function formatTicks(u, splits) { return splits.map(formatNumber); }

  function width(host) {
    return Math.max(320, Math.min(1100, host.clientWidth || 900));
  }

  function stageMarkers() {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, pr = uPlot.pxRatio;
          ctx.save();
          ctx.setLineDash([6 * pr, 4 * pr]);
          ctx.lineWidth = pr;
          ctx.strokeStyle = 'rgba(0,0,0,0.55)';
          ctx.fillStyle = '#333';
          ctx.font = (11 * pr) + 'px sans-serif';
          ctx.textAlign = 'left';
          ctx.textBaseline = 'alphabetic';
          data.stages.forEach(function (b, i) {
            var x = u.valToPos(b.step, 'x', true);
            if (i > 0 && x >= u.bbox.left && x <= u.bbox.left + u.bbox.width) {
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            var lx = Math.max(x, u.bbox.left);
            ctx.fillText('stage ' + (b.stage + 1), lx + 4 * pr, u.bbox.top + 12 * pr);
          });
          ctx.restore();
        }]
      }
    };
  }

  function line(host, xLabel, yLabel, x, series, markers, log) {
    var opts = {
      width: width(host),
      height: 270,
      scales: log ? { x: { time: false }, y: { distr: 3, log: 10 } } : { x: { time: false } },
      series: [{ label: xLabel }].concat(series.map(function (s, i) {
        return {
          label: s.label,
          stroke: s.color || color(i),
          width: s.width || 1.5,
          spanGaps: true,
          points: { show: !!s.points, size: 7 }
        };
      })),
      axes: [
        { label: xLabel, incrs: INTEGER_INCRS, values: formatTicks },
        { label: yLabel, size: 70, values: formatTicks }],
      plugins: markers ? [stageMarkers()] : []
    };
    return new uPlot(opts, [x].concat(series.map(function (s) { return s.values; })), host);
  }

  function lossChart(host) {
    var xs = data.steps.slice();
    data.epochs.forEach(function (e) { if (xs.indexOf(e.step) < 0) { xs.push(e.step); } });
    xs.sort(function (a, b) { return a - b; });
    var at = {};
    xs.forEach(function (s, i) { at[s] = i; });
    function column() { return xs.map(function () { return null; }); }
    var train = column(), epochTrain = column(), valid = column();
    data.steps.forEach(function (s, i) { train[at[s]] = data.loss[i]; });
    data.epochs.forEach(function (e) {
      epochTrain[at[e.step]] = e.train_loss;
      valid[at[e.step]] = e.valid_loss;
    });
    line(host, 'step', 'loss', xs, [
      { label: 'train (step)', values: train, color: '#9ab', width: 1 },
      { label: 'train (epoch)', values: epochTrain, color: '#1f77b4', points: true, width: 2 },
      { label: 'valid (epoch)', values: valid, color: '#d62728', points: true, width: 2 }
    ], true);
  }

  function accuracyChart(host) {
    var xs = data.epochs.map(function (e) { return e.epoch; });
    var metric = data.epochs.length && data.epochs[0].metric ? data.epochs[0].metric : 'accuracy';
    var title = document.getElementById('metric-title');
    if (title && metric !== 'accuracy') { title.textContent = metric.toUpperCase() + ' per epoch'; }
    function value(e, split) {
      var v = e[split + '_metric'];
      return v === undefined ? e[split + '_accuracy'] : v;
    }
    line(host, 'epoch', metric, xs, [
      { label: 'train', values: data.epochs.map(function (e) { return value(e, 'train'); }),
        points: true, color: '#1f77b4' },
      { label: 'valid', values: data.epochs.map(function (e) { return value(e, 'valid'); }),
        points: true, color: '#d62728' }
    ], false);
  }

  // Regression: residual (actual - predicted) against predicted, points only, with a zero line.
  function residualChart(host) {
    var r = data.residuals;
    if (!r || !r.predicted || !r.predicted.length) { return; }
    document.getElementById('residuals-section').hidden = false;
    var idx = r.predicted.map(function (_, i) { return i; });
    idx.sort(function (a, b) { return r.predicted[a] - r.predicted[b]; });
    var xs = idx.map(function (i) { return r.predicted[i]; });
    var res = idx.map(function (i) { return r.actual[i] - r.predicted[i]; });
    var zero = xs.map(function () { return 0; });
    var opts = {
      width: width(host), height: 300,
      scales: { x: { time: false } },
      series: [{ label: 'predicted ' + r.target },
        { label: 'actual − predicted', stroke: '#1f77b4', width: 0, paths: function () { return null; },
          points: { show: true, size: 5, fill: '#1f77b4' } },
        { label: 'zero', stroke: '#999', width: 1, dash: [4, 4], points: { show: false } }],
      axes: [{ label: 'predicted ' + r.target, values: formatTicks },
        { label: 'residual', size: 70, values: formatTicks }]
    };
    host.setAttribute('data-residuals', String(xs.length));
    return new uPlot(opts, [xs, res, zero], host);
  }

  // Log scale: discriminative rates (1e-4 / 2.6^k) lie decades below a head's 2e-3. A frozen
  // group's 0 has no place on it and is left out (a gap) rather than drawn at an invented floor.
  function lrChart(host) {
    line(host, 'step', 'learning rate (log)', data.steps,
      data.groups.map(function (g, i) {
        return { label: g, values: data.lr[g].map(function (v) { return v > 0 ? v : null; }),
          color: color(i) };
      }), true, true);
  }

  function statChart(key, yLabel) {
    return function (host) {
      line(host, 'step', yLabel, data.stats.x, data.groups.map(function (g, i) {
        return { label: g, values: data.stats.groups[g][key], color: color(i), points: true };
      }), true);
    };
  }
  // Drift from w0 is drawn for the groups that start from pre-trained weights only; a new head's
  // drift from its random init (often > 1) would flatten them, so it is listed under the chart.
  function driftChart(host) {
    var fresh = data.new_groups || [];
    var shown = data.groups.filter(function (g) { return fresh.indexOf(g) < 0; });
    if (fresh.length) {
      var note = document.createElement('p');
      note.className = 'note';
      note.id = 'drift-new-groups';
      note.textContent = 'Not drawn (new weights, no pre-trained w\u2080): ' + fresh.map(function (g) {
        var d = data.stats.groups[g] ? data.stats.groups[g].drift : [];
        var last = d.length ? d[d.length - 1] : null;
        return g + (last === null || last === undefined ? '' : ' (last drift ' + last.toFixed(3) + ')');
      }).join(', ');
      host.parentNode.appendChild(note);
    }
    line(host, 'step', 'drift', data.stats.x, shown.map(function (g) {
      return { label: g, values: data.stats.groups[g].drift, color: color(data.groups.indexOf(g)),
        points: true };
    }), true);
  }
  var gradChart = statChart('grad_norm', 'gradient norm');

  function ramp(t) {
    t = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
    var i = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - i, a = VIRIDIS[i], b = VIRIDIS[i + 1];
    return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * f); })
      .join(',') + ')';
  }

  function heatmap(host) {
    var groups = data.groups, xs = data.stats.x;
    var W = width(host), labelW = 120, top = 8, rowH = 26, plotW = W - labelW - 20;
    var H = top + rowH * groups.length + 28 + 46;
    var pr = window.devicePixelRatio || 1;
    var canvas = document.createElement('canvas');
    canvas.width = Math.round(W * pr);
    canvas.height = Math.round(H * pr);
    canvas.style.width = W + 'px';
    canvas.style.height = H + 'px';
    canvas.setAttribute('data-heatmap', String(groups.length) + 'x' + String(xs.length));
    host.appendChild(canvas);
    var ctx = canvas.getContext('2d');
    ctx.scale(pr, pr);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.font = '12px sans-serif';
    var n = Math.max(1, xs.length), cw = plotW / n;
    groups.forEach(function (g, r) {
      var y = top + r * rowH;
      ctx.fillStyle = '#222';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(g, labelW - 8, y + rowH / 2);
      var vals = data.stats.groups[g].log10_update_ratio;
      for (var i = 0; i < xs.length; i++) {
        var v = vals[i];
        ctx.fillStyle = v === null || v === undefined ? '#e3e3e3' : ramp((v - LO) / (HI - LO));
        ctx.fillRect(labelW + i * cw, y, Math.ceil(cw), rowH - 2);
      }
    });
    var axisY = top + rowH * groups.length + 4;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    var ticks = Math.min(10, xs.length);
    for (var t = 0; t < ticks; t++) {
      var idx = ticks === 1 ? 0 : Math.round(t * (xs.length - 1) / (ticks - 1));
      ctx.fillText(String(xs[idx]), labelW + (idx + 0.5) * cw, axisY);
    }
    ctx.textAlign = 'right';
    ctx.fillText('step', labelW - 8, axisY);
    var legendY = axisY + 24, legendW = Math.min(320, plotW);
    for (var p = 0; p < legendW; p++) {
      ctx.fillStyle = ramp(p / (legendW - 1));
      ctx.fillRect(labelW + p, legendY, 1, 10);
    }
    ctx.fillStyle = '#222';
    ctx.textAlign = 'center';
    for (var e = LO; e <= HI; e += 2) {
      ctx.fillText('1e' + e, labelW + (e - LO) / (HI - LO) * (legendW - 1), legendY + 12);
    }
    ctx.textAlign = 'right';
    ctx.fillText('log10 ratio', labelW - 8, legendY);
  }

  var charts = [
    ['chart-loss', lossChart], ['chart-accuracy', accuracyChart], ['chart-lr', lrChart],
    ['chart-heatmap', heatmap], ['chart-drift', driftChart], ['chart-grad', gradChart]];
  if (data.residuals && data.residuals.predicted && data.residuals.predicted.length) {
    charts.push(['chart-residuals', residualChart]); // a regression run only
  }
  var rendered = 0;
  document.body.setAttribute('data-charts-expected', String(charts.length));
  charts.forEach(function (c) {
    try {
      c[1](document.getElementById(c[0]));
      rendered++;
    } catch (e) {
      window.__reportError('chart ' + c[0] + ' failed: ' + (e && e.stack ? e.stack : e));
    }
  });
  document.body.setAttribute('data-charts-rendered', String(rendered));
})();
