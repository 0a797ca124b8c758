/**
 * card_art_http_request_duration_seconds without prom-client's per-observation work: its Histogram validates and
 * hashes the label set and copies objects on every observe, about a tenth of a warm hit (bench row 1, issue #13).
 * Here each (method, route, status) series is one preallocated count array; an observation finds its bucket and
 * adds one. The registry reads the series when scraped, in prom-client's histogram format.
 */
import type { Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: string };
  /** Per-bucket counts (not cumulative); the last slot counts observations above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface RequestDurationHistogram {
  observe(method: string, route: string, status: number, seconds: number): void;
  /** One series' observe, found once: for a caller that records the same (method, route, status) again and again. */
  series(method: string, route: string, status: number): (seconds: number) => void;
}

export function createRequestDurationHistogram(options: { name: string; help: string; buckets: readonly number[]; registry: Registry }): RequestDurationHistogram {
  const { name, help, buckets } = options;
  const series = new Map<string, Series>();
  let resets = 0;

  const metric = {
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type: 'histogram' as const, aggregator: 'sum' as const, values: values() }),
    reset: () => {
      series.clear();
      resets += 1;
    },
  };
  options.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);

  // The shape prom-client's Histogram#get() returns (bucket bound first, then the series labels).
  function values() {
    const out: { labels: Record<string, string | number>; value: number; metricName: string; exemplar?: null }[] = [];
    for (const s of series.values()) {
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i++) {
        cumulative += s.counts[i]!;
        out.push({ labels: { le: buckets[i]!, ...s.labels }, value: cumulative, metricName: `${name}_bucket`, exemplar: null });
      }
      out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket`, exemplar: null });
      out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
      out.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
    }
    return out;
  }

  function seriesOf(method: string, route: string, status: number): Series {
    const key = `${method} ${route} ${status}`;
    let s = series.get(key);
    if (s === undefined) {
      s = { labels: { method, route, status: String(status) }, counts: new Float64Array(buckets.length + 1), sum: 0, count: 0 };
      series.set(key, s);
    }
    return s;
  }

  function add(s: Series, seconds: number): void {
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]!) i++;
    s.counts[i]! += 1;
    s.sum += seconds;
    s.count += 1;
  }

  return {
    observe(method, route, status, seconds) {
      add(seriesOf(method, route, status), seconds);
    },
    series(method, route, status) {
      let s = seriesOf(method, route, status);
      let seenResets = resets;
      return (seconds) => {
        // A registry reset dropped every series: find (make) this one again.
        if (seenResets !== resets) {
          s = seriesOf(method, route, status);
          seenResets = resets;
        }
        add(s, seconds);
      };
    },
  };
}
