/**
 * Preloaded with `node -r` into a server the bench does not own (Portkey's gateway, which listens
 * on every interface): any `listen` that names no host is bound to 127.0.0.1 instead.
 */

const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'number') {
    if (args.length > 1 && (args[1] === undefined || args[1] === null)) args[1] = '127.0.0.1';
    else if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  } else if (first === undefined || typeof first === 'function') {
    args.splice(0, first === undefined ? 1 : 0, 0, '127.0.0.1');
  } else if (
    first !== null &&
    typeof first === 'object' &&
    first.path === undefined &&
    first.host === undefined
  ) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
