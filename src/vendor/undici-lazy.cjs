// Build-time stand-in for `undici`, mapped in tsconfig.json "paths" so that ncc bundles this
// instead. @actions/http-client imports undici at the top level only for ProxyAgent, which this
// action never constructs; evaluating all of undici on every start cost ~60 ms (see the
// README's performance section). The real undici is still bundled and loaded on first use.
'use strict';
let real;
const load = () => (real ??= require('../../node_modules/undici/index.js'));
class ProxyAgent {
  constructor(...args) {
    return new (load().ProxyAgent)(...args);
  }
}
module.exports = { ProxyAgent };
