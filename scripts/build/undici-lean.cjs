"use strict";
/**
 * Bundled in place of undici's index.js (see scripts/build.mjs). undici's index loads all of undici (fetch,
 * WebSocket, EventSource, caches, mocks, cookies): about a megabyte of code evaluated at start-up, plus Node's
 * own copy of undici that its web classes pull in. The client (src/ica/client.ts) uses three exports; this
 * module builds exactly those, from the same files and in the same way as undici's index.js (undici is
 * pinned in package.json; scripts/build.mjs checks that every name src/ imports from undici is here).
 *
 * Nothing of undici is loaded before the first request: the server starts (and answers tools/list) without it.
 * Agent and EnvHttpProxyAgent are stand-ins that build the real dispatcher on first use; the client only
 * constructs them, passes them to request() as its dispatcher, and closes them.
 */
let loaded;
/** undici's parts, required once (the same modules, and the same set-up, as undici's index.js). */
function undici() {
  if (!loaded) {
    const Dispatcher = require("undici/lib/dispatcher/dispatcher");
    const api = require("undici/lib/api");
    Object.assign(Dispatcher.prototype, api);
    loaded = {
      Dispatcher,
      Agent: require("undici/lib/dispatcher/agent"),
      EnvHttpProxyAgent: require("undici/lib/dispatcher/env-http-proxy-agent"),
      api,
      util: require("undici/lib/core/util"),
      InvalidArgumentError: require("undici/lib/core/errors").InvalidArgumentError,
      getGlobalDispatcher: require("undici/lib/global").getGlobalDispatcher,
    };
  }
  return loaded;
}

/** A dispatcher built on first use; closing or destroying one that was never used loads nothing. */
function lazyDispatcher(name) {
  return class {
    #args;
    #real;
    constructor(...args) {
      this.#args = args;
    }
    get real() {
      this.#real ??= new (undici()[name])(...this.#args);
      return this.#real;
    }
    dispatch(opts, handler) {
      return this.real.dispatch(opts, handler);
    }
    close(callback) {
      if (this.#real) return this.#real.close(callback);
      if (callback) return void queueMicrotask(callback);
      return Promise.resolve();
    }
    destroy(err, callback) {
      if (this.#real) return this.#real.destroy(err, callback);
      const cb = typeof err === "function" ? err : callback;
      if (cb) return void queueMicrotask(cb);
      return Promise.resolve();
    }
    on(...args) {
      this.real.on(...args);
      return this;
    }
    once(...args) {
      this.real.once(...args);
      return this;
    }
    off(...args) {
      this.real.off(...args);
      return this;
    }
  };
}

const Agent = lazyDispatcher("Agent");
const EnvHttpProxyAgent = lazyDispatcher("EnvHttpProxyAgent");
/** Type-only in src/ (Dispatcher is an interface there); a getter so that importing it loads nothing. */
const exported = { Agent, EnvHttpProxyAgent, request };
Object.defineProperty(exported, "Dispatcher", { enumerable: true, get: () => undici().Dispatcher });

/** undici's makeDispatcher(api.request) from index.js. */
function request(url, opts, handler) {
  const { api, util, InvalidArgumentError, getGlobalDispatcher } = undici();
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
  const { agent, dispatcher: given = getGlobalDispatcher() } = opts;
  const dispatcher = given.real ?? given;
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

module.exports = exported;
