// The post step's entry (action.yml: runs.post), copied to dist/post.js by `npm run bundle`: the same
// bundle as the main step, told that it is the post step (src/index.ts, STEP_MARK).
globalThis[Symbol.for('peaka-cache-action.step')] = 'post';
await import('./index.js');
