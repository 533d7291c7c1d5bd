// The baseline: the same status request with Node's own fetch, and nothing else.
const url = `${process.env.API_URL}/data/projects/${process.env.PROJECT_ID}/cache/${process.env.CACHE_ID}/status?excludeLogs=true`;
const response = await fetch(url, { headers: { Authorization: `Bearer ${process.env.API_KEY}` } });
const status = await response.json();
console.log(status.status);
