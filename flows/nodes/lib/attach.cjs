// @ts-check
'use strict';
// The start every booth node shares: registers the node with Node-RED and returns the booth's
// bridge (device/tuning/bridge.ts), or marks the node "not running inside the booth" and
// returns null (the flow editor alone, or a flow imported elsewhere). Node-RED does not load
// files under lib/ as nodes.

/**
 * @param {any} RED @param {any} node @param {object} config
 * @returns {any} the bridge, or null
 */
module.exports = function attachToBooth(RED, node, config) {
  RED.nodes.createNode(node, config);
  const bridge = RED.settings.boothBridge;
  if (!bridge) node.status({ fill: 'red', shape: 'ring', text: 'not running inside the booth' });
  return bridge || null;
};
