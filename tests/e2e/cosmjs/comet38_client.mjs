// The reference CometBFT client against a seer node: @cosmjs/tendermint-rpc's Comet38Client
// reads status and blocks, broadcasts a tx, and receives NewBlock events over the websocket.
// With a creator address and a final future's ID it also runs txSearch and blockSearch over the
// event index, and waits for the creator's next future through subscribeTx (it prints
// SUBSCRIBED when the subscription is up; the test then submits that future).
// Usage: node comet38_client.mjs <rpc port> [<creator> <future id>]. Exits non-zero with a
// message on any mismatch.
import { Comet38Client } from "@cosmjs/tendermint-rpc";

const port = process.argv[2];
const creator = process.argv[3];
const futureId = process.argv[4];
const attr = (events, type, key) => {
  for (const e of events) {
    if (e.type !== type) continue;
    for (const a of e.attributes) if (a.key === key) return a.value;
  }
  return undefined;
};
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

  // A tx that is not a Cosmos TxRaw: check_tx refuses it with the SDK's decode code.
  const tx = Uint8Array.from([0x0a, 0x03, 0x01, 0x02, 0x03]);
  const res = await http.broadcastTxSync({ tx });
  check(res.code === 2, `broadcast code ${res.code} (want 2, tx_decode)`);
  check(res.codespace === "sdk", `codespace ${res.codespace} (want sdk)`);
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

  if (creator) {
    // txSearch: the creator's futures, by a future_created attribute, newest first.
    const found = await ws.txSearch({ query: `future_created.creator='${creator}'`, order_by: "desc" });
    check(found.totalCount >= 1, `txSearch totalCount ${found.totalCount}`);
    check(attr(found.txs[0].result.events, "future_created", "creator") === creator, "txSearch event creator");
    const byId = await ws.txSearch({ query: `future_created.future_id=${futureId} AND tx.height>0` });
    check(byId.totalCount === 1, `txSearch by future_id: ${byId.totalCount}`);
    check(byId.txs[0].hash.length === 32, "txSearch hash");
    const none = await ws.txSearch({ query: "future_created.creator CONTAINS 'nobody'" });
    check(none.totalCount === 0 && none.txs.length === 0, "txSearch with no match");
    console.log(`txSearch: ${found.totalCount} tx(s) of ${creator}, future ${futureId} at height ${byId.txs[0].height}`);

    // blockSearch: the block whose FinalizeBlock events carry the verdict.
    const blocks = await ws.blockSearch({ query: `future_verified.future_id='${futureId}'` });
    check(blocks.totalCount === 1 && blocks.blocks.length === 1, `blockSearch totalCount ${blocks.totalCount}`);
    const vh = blocks.blocks[0].block.header.height;
    // cosmjs 0.32's Comet38Client does not decode finalize_block_events, so the verdict event
    // is read from the raw JSON of block_results.
    const raw = await (await fetch(`http://127.0.0.1:${port}/block_results?height=${vh}`)).json();
    const verdict = raw.result.finalize_block_events;
    check(attr(verdict, "future_verified", "future_id") === String(futureId), "verdict event in block results");
    check(attr(verdict, "future_verified", "output") === "one", "verdict event carries the output");
    console.log(`blockSearch: future ${futureId} verified at height ${vh}`);

    // subscribeTx: the creator's next future arrives as a Tx event, no polling.
    const next = await Promise.race([
      new Promise((resolve, reject) => {
        const sub = ws.subscribeTx(`future_created.creator='${creator}'`).subscribe({
          next: (event) => {
            sub.unsubscribe();
            resolve(event);
          },
          error: reject,
        });
        // The subscription request is on the wire; give the node a moment to register it.
        setTimeout(() => console.log("SUBSCRIBED"), 500);
      }),
      timeout(60000, "a Tx event of the creator"),
    ]);
    check(next.result.code === 0, `subscribed tx code ${next.result.code}`);
    const nextId = attr(next.result.events, "future_created", "future_id");
    check(nextId !== undefined && Number(nextId) > Number(futureId), `subscribed future id ${nextId}`);
    console.log(`subscribeTx: future ${nextId} at height ${next.height}`);
  }
  ws.disconnect();
  console.log("OK");
  process.exit(0);
} catch (e) {
  fail(e && e.stack ? e.stack : String(e));
}
