// @ts-check
'use strict';
// `booth led`: drives the booth's status LEDs from a flow: a pattern name (idle, busy, success,
// failure, offline, fault, off) or { color, on } for one LED. Validated by the booth.

const attachToBooth = require('./lib/attach.cjs');

/** @param {any} RED */
module.exports = function (RED) {
  /** @this {any} @param {{ pattern?: string }} config */
  function BoothLedNode(config) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED's idiom: callbacks need the node
    const node = this;
    const bridge = attachToBooth(RED, node, config);
    if (!bridge) return;
    node.on(
      'input',
      /** @param {any} msg @param {(m: any) => void} send @param {(err?: unknown) => void} done */
      function (msg, send, done) {
        try {
          const shown = bridge.led(config.pattern || msg.payload);
          node.status({ fill: 'green', shape: 'dot', text: shown });
          send(msg);
          done();
        } catch (err) {
          node.status({ fill: 'red', shape: 'ring', text: String(/** @type {Error} */ (err).message).slice(0, 120) });
          done(err);
        }
      },
    );
  }
  RED.nodes.registerType('booth led', BoothLedNode);
};
