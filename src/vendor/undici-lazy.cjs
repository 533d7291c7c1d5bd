// Build-time stand-in for `undici`, mapped in tsconfig.json "paths" so that ncc bundles this
// instead. @actions/http-client and @actions/github import undici at the top level, for a proxy
// agent and a fetch that only pull request comments use; evaluating all of undici on every start
// cost ~60 ms (see the README's performance section). The real undici is still bundled, and loaded
// on first use of anything below.
'use strict';
let real;
const load = () => (real ??= require('../../node_modules/undici/index.js'));
class ProxyAgent {
  constructor(...args) {
    return new (load().ProxyAgent)(...args);
  }
}
const lazyFetch = (...args) => load().fetch(...args);
module.exports = { ProxyAgent, fetch: lazyFetch };
