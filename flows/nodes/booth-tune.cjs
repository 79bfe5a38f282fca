// @ts-check
'use strict';
// `booth tune`: sets one booth tunable from msg.payload. The booth validates the value against
// its config schema and the site's allowed range (here, in the runtime), applies it without a
// restart, persists it and audits old and new. A refused value leaves the old one in force and
// shows the reason on the node's status; the error reaches Catch nodes.

const attachToBooth = require('./lib/attach.cjs');

/** @param {any} RED */
module.exports = function (RED) {
  /** @this {any} @param {{ key?: string }} config */
  function BoothTuneNode(config) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED's idiom: callbacks need the node
    const node = this;
    const bridge = attachToBooth(RED, node, config);
    if (!bridge) return;
    node.on(
      'input',
      /** @param {any} msg @param {(m: any) => void} send @param {(err?: unknown) => void} done */
      function (msg, send, done) {
        const key = config.key || (typeof msg.topic === 'string' ? msg.topic : '');
        bridge.tune(key, msg.payload, node.id).then(
          (/** @type {{ old: unknown, new: unknown }} */ change) => {
            node.status({ fill: 'green', shape: 'dot', text: `${key} = ${JSON.stringify(change.new)}` });
            send({ ...msg, topic: key, payload: change.new, change });
            done();
          },
          (/** @type {Error} */ err) => {
            node.status({ fill: 'red', shape: 'ring', text: String(err.message).slice(0, 120) });
            done(err);
          },
        );
      },
    );
  }
  RED.nodes.registerType('booth tune', BoothTuneNode);

  // The editor's key list: the tunables this booth offers, with ranges, behind the admin login.
  RED.httpAdmin.get(
    '/booth/tunables',
    RED.auth.needsPermission('booth.read'),
    (/** @type {any} */ _req, /** @type {any} */ res) => {
      const bridge = RED.settings.boothBridge;
      res.json(
        bridge
          ? bridge.tunables().map((/** @type {any} */ t) => ({
              key: t.key,
              value: t.value,
              minimum: t.minimum,
              maximum: t.maximum,
              description: t.description,
            }))
          : [],
      );
    },
  );
};
