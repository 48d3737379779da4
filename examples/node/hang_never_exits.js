// Hangs on purpose: main listens on a port whose other end it keeps but never uses. No call
// waits, yet the process never exits: the listening port keeps its event loop alive for ever.
const { MessageChannel } = require("node:worker_threads");

const { port1, port2 } = new MessageChannel();
port1.on("message", (m) => console.log("got", m));
globalThis.unused = port2;
console.log("main listens on port1; nobody will ever post to port2");
