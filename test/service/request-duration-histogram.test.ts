import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestDurationHistogram } from '../../src/service/request-duration-histogram.ts';

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const observations: [string, string, number, number][] = [
  ['GET', '/v1/card-art', 200, 0.0001],
  ['GET', '/v1/card-art', 200, 0.005],
  ['GET', '/v1/card-art', 200, 0.0051],
  ['GET', '/v1/card-art', 304, 0.3],
  ['HEAD', '/v1/assets/:assetId', 200, 11],
  ['POST', 'unmatched', 404, 2.5],
];

describe('request duration histogram', () => {
  it("scrapes exactly as prom-client's Histogram fed the same observations", async () => {
    const ours = new Registry();
    const histogram = createRequestDurationHistogram({ name: 'req_seconds', help: 'duration', buckets, registry: ours });
    const reference = new Registry();
    const promHistogram = new Histogram({ name: 'req_seconds', help: 'duration', labelNames: ['method', 'route', 'status'], buckets, registers: [reference] });
    for (const [method, route, status, seconds] of observations) {
      histogram.observe(method, route, status, seconds);
      promHistogram.observe({ method, route, status: String(status) }, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('req_seconds_bucket{le="0.005",method="GET",route="/v1/card-art",status="200"} 2');
    expect(text).toContain('req_seconds_count{method="HEAD",route="/v1/assets/:assetId",status="200"} 1');
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('scrapes the same through series handles (found once) as through observe()', async () => {
    const viaObserve = new Registry();
    const viaSeries = new Registry();
    const byObserve = createRequestDurationHistogram({ name: 'req_seconds', help: 'duration', buckets, registry: viaObserve });
    const bySeries = createRequestDurationHistogram({ name: 'req_seconds', help: 'duration', buckets, registry: viaSeries });
    const handles = new Map<string, (seconds: number) => void>();
    for (const [method, route, status, seconds] of observations) {
      byObserve.observe(method, route, status, seconds);
      const key = `${method} ${route} ${status}`;
      if (!handles.has(key)) handles.set(key, bySeries.series(method, route, status));
      handles.get(key)!(seconds);
    }
    expect(await viaSeries.metrics()).toBe(await viaObserve.metrics());
  });

  it('keeps counting through a series handle after a registry reset', async () => {
    const registry = new Registry();
    const histogram = createRequestDurationHistogram({ name: 'req_seconds', help: 'duration', buckets, registry });
    const getOk = histogram.series('GET', '/x', 200);
    getOk(0.01);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('req_seconds_count');
    getOk(0.01);
    expect(await registry.metrics()).toContain('req_seconds_count{method="GET",route="/x",status="200"} 1');
  });

  it('empties on a registry reset', async () => {
    const registry = new Registry();
    const histogram = createRequestDurationHistogram({ name: 'req_seconds', help: 'duration', buckets, registry });
    histogram.observe('GET', '/x', 200, 0.01);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('req_seconds_count');
  });
});
