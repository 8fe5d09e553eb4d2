// The reference CometBFT client against a seer node: @cosmjs/tendermint-rpc's Comet38Client
// reads status and blocks, broadcasts a tx, and receives NewBlock events over the websocket.
// Usage: node comet38_client.mjs <rpc port>. Exits non-zero with a message on any mismatch.
import { Comet38Client } from "@cosmjs/tendermint-rpc";

const port = process.argv[2];
const fail = (msg) => {
  console.error("FAIL: " + msg);
  process.exit(1);
};
const check = (cond, msg) => {
  if (!cond) fail(msg);
};
const timeout = (ms, what) =>
  new Promise((_, reject) => setTimeout(() => reject(new Error("timeout: " + what)), ms));

try {
  const http = await Comet38Client.connect(`http://127.0.0.1:${port}`);
  const status = await http.status();
  check(typeof status.nodeInfo.network === "string" && status.nodeInfo.network.length > 0, "network");
  check(status.syncInfo.latestBlockHeight >= 1, "latest height");
  check(status.validatorInfo.pubkey.algorithm === "ed25519", "validator pub key");
  console.log(`status: chain ${status.nodeInfo.network} height ${status.syncInfo.latestBlockHeight}`);

  const block = await http.block(1);
  check(block.block.header.height === 1, "block 1 height");
  check(block.blockId.hash.length === 32, "block hash length");
  check(block.block.header.chainId === status.nodeInfo.network, "block chain id");
  const chain = await http.blockchain(1, 2);
  check(chain.blockMetas.length >= 1, "blockchain metas");
  const results = await http.blockResults(1);
  check(results.height === 1, "block results height");
  const commit = await http.commit(1);
  check(commit.header.height === 1 && commit.commit.height === 1, "commit height");
  const validators = await http.validatorsAll(1);
  check(validators.validators.length >= 1, "validators");
  console.log(`block 1: ${Buffer.from(block.blockId.hash).toString("hex")}`);

  // A tx that is not a Cosmos TxRaw: check_tx refuses it with the module's decode code.
  const tx = Uint8Array.from([0x0a, 0x03, 0x01, 0x02, 0x03]);
  const res = await http.broadcastTxSync({ tx });
  check(res.code === 2, `broadcast code ${res.code} (want 2, tx_decode)`);
  check(res.codespace === "async", "codespace");
  check(res.hash.length === 32, "tx hash length");
  console.log(`broadcast: code ${res.code} ${res.log}`);
  http.disconnect();

  const ws = await Comet38Client.connect(`ws://127.0.0.1:${port}`);
  const heights = await Promise.race([
    new Promise((resolve, reject) => {
      const seen = [];
      const sub = ws.subscribeNewBlock().subscribe({
        next: (event) => {
          seen.push(event.header.height);
          if (seen.length === 2) {
            sub.unsubscribe();
            resolve(seen);
          }
        },
        error: reject,
      });
    }),
    timeout(30000, "two NewBlock events"),
  ]);
  check(heights[1] === heights[0] + 1, `consecutive NewBlock heights ${heights}`);
  console.log(`websocket: NewBlock ${heights.join(", ")}`);
  ws.disconnect();
  console.log("OK");
  process.exit(0);
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
}
