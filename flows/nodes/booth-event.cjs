// @ts-check
'use strict';
// `booth event`: the booth's events (visit started, face checked with reason, verified, rejected,
// signature captured, sealed, sync progress, hardware faults) as messages, in the order the
// booth emitted them. msg.topic = event name, msg.payload = event payload (plain JSON).

const attachToBooth = require('./lib/attach.cjs');

/** @param {any} RED */
module.exports = function (RED) {
  /** @this {any} @param {{ events?: string }} config */
  function BoothEventNode(config) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED's idiom: callbacks need the node
    const node = this;
    const bridge = attachToBooth(RED, node, config);
    if (!bridge) return;
    const patterns = String(config.events || '*')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let seq = 0;
    const off = bridge.onEvent(
      `node-red:${node.id}`,
      patterns,
      (/** @type {string} */ event, /** @type {unknown} */ payload) => {
        seq += 1;
        node.send({ topic: event, payload: JSON.parse(JSON.stringify(payload ?? null)), seq });
      },
    );
    node.status({ fill: 'green', shape: 'dot', text: patterns.join(', ') });
    node.on('close', () => off());
  }
  RED.nodes.registerType('booth event', BoothEventNode);
};
