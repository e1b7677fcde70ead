"use strict";
/**
 * Bundled in place of undici's index.js (see scripts/build.mjs). undici's index loads all of undici (fetch,
 * WebSocket, EventSource, caches, mocks, cookies): about a megabyte of code evaluated at start-up, plus Node's
 * own copy of undici that its web classes pull in. The client (src/ica/client.ts) uses three exports; this
 * module builds exactly those, from the same files and in the same way as undici's index.js (undici is
 * pinned in package.json; scripts/build.mjs checks that every name src/ imports from undici is here).
 */
const Dispatcher = require("undici/lib/dispatcher/dispatcher");
const Agent = require("undici/lib/dispatcher/agent");
const EnvHttpProxyAgent = require("undici/lib/dispatcher/env-http-proxy-agent");
const api = require("undici/lib/api");
const util = require("undici/lib/core/util");
const { InvalidArgumentError } = require("undici/lib/core/errors");
const { getGlobalDispatcher } = require("undici/lib/global");

Object.assign(Dispatcher.prototype, api);

/** undici's makeDispatcher(api.request) from index.js. */
function request(url, opts, handler) {
  if (typeof opts === "function") {
    handler = opts;
    opts = null;
  }
  if (!url || (typeof url !== "string" && typeof url !== "object" && !(url instanceof URL))) {
    throw new InvalidArgumentError("invalid url");
  }
  if (opts != null && typeof opts !== "object") throw new InvalidArgumentError("invalid opts");
  if (opts && opts.path != null) {
    if (typeof opts.path !== "string") throw new InvalidArgumentError("invalid opts.path");
    const path = opts.path.startsWith("/") ? opts.path : `/${opts.path}`;
    url = new URL(util.parseOrigin(url).origin + path);
  } else {
    if (!opts) opts = typeof url === "object" ? url : {};
    url = util.parseURL(url);
  }
  const { agent, dispatcher = getGlobalDispatcher() } = opts;
  if (agent) throw new InvalidArgumentError("unsupported opts.agent. Did you mean opts.client?");
  return api.request.call(
    dispatcher,
    {
      ...opts,
      origin: url.origin,
      path: url.search ? `${url.pathname}${url.search}` : url.pathname,
      method: opts.method || (opts.body ? "PUT" : "GET"),
    },
    handler,
  );
}

module.exports = { Agent, Dispatcher, EnvHttpProxyAgent, request };
