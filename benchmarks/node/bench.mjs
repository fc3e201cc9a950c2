// The peer side of benchmarks/run: the official Node SDK (klaviyo-api, pinned
// in package.json) doing what klaviyo_bench does, pointed at the sandbox
// through each API object's basePath. Prints one JSON line; CPU and peak RSS
// are read from the outside by measure.py, as for klaviyo_bench.
//
//   node bench.mjs throughput BASE KEY PROFILE_ID CONCURRENCY REQUESTS
//   node bench.mjs paginate   BASE KEY
//   node bench.mjs paced      BASE KEY CALLS IN_FLIGHT
import { ApiKeySession, ProfilesApi, EventsApi } from 'klaviyo-api';

const [mode, base, key, ...rest] = process.argv.slice(2);
const session = new ApiKeySession(key); // the default retry: 429/503/504/524, 3 attempts
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function throughput(id, concurrency, requests) {
  const api = new ProfilesApi(session);
  api.basePath = base;
  let next = 0, ok = 0, failed = 0;
  const worker = async () => {
    while (next < requests) {
      ++next;
      try {
        const r = await api.getProfile(id);
        if (r.body.data.id === id) ++ok; else ++failed;
      } catch (e) {
        ++failed;
      }
    }
  };
  const start = now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = now() - start;
  return { requests: ok + failed, ok, failed, wall_s: wall, req_per_s: ok / wall };
}

async function paginate() {
  const api = new ProfilesApi(session);
  api.basePath = base;
  let profiles = 0, pages = 0, cursor;
  const start = now();
  for (;;) {
    const r = await api.getProfiles({ pageSize: 100, pageCursor: cursor });
    ++pages;
    profiles += r.body.data.length;
    const next = r.body.links && r.body.links.next;
    if (!next) break;
    cursor = new URL(next).searchParams.get('page[cursor]');
  }
  return { profiles, pages, wall_s: now() - start };
}

async function paced(calls, inFlight) {
  const api = new EventsApi(session);
  api.basePath = base;
  let next = 0, ok = 0, failed = 0;
  const statuses = {};
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const time = new Date((1750000000 + i) * 1000).toISOString().replace('.000Z', 'Z');
      try {
        await api.createEvent({
          data: {
            type: 'event',
            attributes: {
              properties: { n: i },
              time,
              metric: { data: { type: 'metric', attributes: { name: 'Bench Event' } } },
              profile: { data: { type: 'profile', attributes: { email: `bench+${i % 1000}@example.com` } } },
            },
          },
        });
        ++ok;
      } catch (e) {
        ++failed;
        const s = (e.response && e.response.status) || e.code || 'error';
        statuses[s] = (statuses[s] || 0) + 1;
      }
    }
  };
  const start = now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wall = now() - start;
  return { calls, ok, failed, failures_by_status: statuses, wall_s: wall, calls_per_s: ok / wall };
}

let out;
if (mode === 'throughput') out = await throughput(rest[0], Number(rest[1]), Number(rest[2]));
else if (mode === 'paginate') out = await paginate();
else if (mode === 'paced') out = await paced(Number(rest[0]), Number(rest[1]));
else {
  console.error('usage: node bench.mjs throughput|paginate|paced ...');
  process.exit(2);
}
console.log(JSON.stringify(out));
