// A real Cosmos wallet against a seer node: @cosmjs/proto-signing's DirectSecp256k1HdWallet
// and @cosmjs/stargate's SigningStargateClient (the versions in this directory's
// node_modules) sign with a mnemonic made by `seer keys add`, submit an echo future
// (/seer.async.v1.MsgAddFuture, registered here by a hand-written codec) and a MsgSend with
// fee "auto" (simulated gas), find both through getTx and searchTx, follow the future over
// REST until it is verified, and check the account's balance to the unit; then re-encodings of
// a signed tx are refused (code 2) and the original commits.
// Usage: node wallet.mjs <rpc port> <rest port> <mnemonic> <expected address> <recipient>
// Prints one JSON line: {"ok":true,...} and exits 0, or {"ok":false,"error":...} and exits 1.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { DirectSecp256k1HdWallet, Registry, decodeTxRaw } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, defaultRegistryTypes } from "@cosmjs/stargate";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";

// cosmjs-types is CommonJS: 0.9 (cosmjs 0.32) has no "exports" map and 0.11 maps "./*" but
// refuses "./*.js", so neither spelling works for both through `import`; require works for both.
const require = createRequire(import.meta.url);
const { BinaryReader, BinaryWriter } = require("cosmjs-types/binary");

const [rpcPort, restPort, mnemonic, expectedAddress, recipient] = process.argv.slice(2);
const rpc = `http://127.0.0.1:${rpcPort}`;
const rest = `http://127.0.0.1:${restPort}`;
const denom = "useer";
const sendAmount = 12345n;
const inputText = "hello from cosmjs";

let version = "unknown";
try {
  const here = new URL("./node_modules/@cosmjs/stargate/package.json", import.meta.url);
  version = JSON.parse(readFileSync(here, "utf8")).version;
} catch {}

const summary = { ok: false, version };
const fail = (msg) => {
  throw new Error(msg);
};
const check = (cond, msg) => {
  if (!cond) fail(msg);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms)),
  ]);
const getJson = async (path) => {
  const res = await withTimeout(fetch(rest + path), 10000, `GET ${path}`);
  const text = await res.text();
  check(res.ok, `GET ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
};
const feeOf = (coins) => {
  check(coins.length === 1 && coins[0].denom === denom, `fee ${JSON.stringify(coins)}`);
  return BigInt(coins[0].amount);
};

// seer.async.v1.MsgAddFuture {creator = 1, handler = 2, input = 3} and its response {id = 1},
// in the shape of ts-proto's generated codecs (what Registry expects of a GeneratedType).
const MsgAddFuture = {
  encode(m, w = BinaryWriter.create()) {
    if (m.creator !== "") w.uint32(10).string(m.creator);
    if (m.handler !== "") w.uint32(18).string(m.handler);
    if (m.input.length !== 0) w.uint32(26).bytes(m.input);
    return w;
  },
  decode(input, length) {
    const r = input instanceof BinaryReader ? input : new BinaryReader(input);
    const end = length === undefined ? r.len : r.pos + length;
    const m = { creator: "", handler: "", input: new Uint8Array() };
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: m.creator = r.string(); break;
        case 2: m.handler = r.string(); break;
        case 3: m.input = r.bytes(); break;
        default: r.skipType(tag & 7);
      }
    }
    return m;
  },
  fromPartial(o) {
    return { creator: o.creator ?? "", handler: o.handler ?? "", input: o.input ?? new Uint8Array() };
  },
};
const MsgAddFutureResponse = {
  encode(m, w = BinaryWriter.create()) {
    if (m.id !== 0n) w.uint32(8).uint64(m.id);
    return w;
  },
  decode(input, length) {
    const r = input instanceof BinaryReader ? input : new BinaryReader(input);
    const end = length === undefined ? r.len : r.pos + length;
    const m = { id: 0n };
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) m.id = BigInt(r.uint64().toString());
      else r.skipType(tag & 7);
    }
    return m;
  },
  fromPartial(o) {
    return { id: o.id !== undefined ? BigInt(o.id) : 0n };
  },
};
const addFutureUrl = "/seer.async.v1.MsgAddFuture";
const addFutureResponseUrl = "/seer.async.v1.MsgAddFutureResponse";

let comet;
try {
  check(rpcPort && restPort && mnemonic && expectedAddress && recipient,
        "usage: node wallet.mjs <rpc port> <rest port> <mnemonic> <address> <recipient>");

  // 1. The wallet: the same mnemonic gives the address that `seer keys add` printed.
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "seer" });
  const [account0] = await wallet.getAccounts();
  const address = account0.address;
  summary.address = address;
  summary.address_match = address === expectedAddress;
  check(summary.address_match, `wallet address ${address}, seer keys add printed ${expectedAddress}`);

  // 2. connectComet reads node_info.version and picks the 0.38 client.
  comet = await withTimeout(connectComet(rpc), 15000, "connectComet");
  summary.comet38 = comet instanceof Comet38Client;
  const status = await comet.status();
  summary.node_version = status.nodeInfo.version;
  check(summary.comet38, `connectComet gave ${comet.constructor.name} for node version ${status.nodeInfo.version}`);

  const registry = new Registry(defaultRegistryTypes);
  registry.register(addFutureUrl, MsgAddFuture);
  registry.register(addFutureResponseUrl, MsgAddFutureResponse);
  // async in 0.32, synchronous in 0.39: await takes both.
  const client = await SigningStargateClient.createWithSigner(comet, wallet, {
    registry,
    gasPrice: GasPrice.fromString("0.001useer"),
  });
  summary.chain_id = await client.getChainId();
  check(summary.chain_id === status.nodeInfo.network, `chain id ${summary.chain_id}`);

  // 3. The account (funded by the test before this script) and its balance.
  const account = await client.getAccount(address);
  check(account !== null, `getAccount(${address}) is null: the account does not exist`);
  check(account.address === address, `getAccount address ${account.address}`);
  check(account.pubkey === null || account.pubkey.type === "tendermint/PubKeySecp256k1",
        `getAccount pubkey ${JSON.stringify(account.pubkey)}`);
  summary.account_number = String(account.accountNumber); // a number in 0.32, a bigint in 0.39
  summary.sequence_before = Number(account.sequence);
  const before = await client.getBalance(address, denom);
  check(before.denom === denom, `getBalance denom ${before.denom}`);
  const balanceBefore = BigInt(before.amount);
  summary.balance_before = balanceBefore.toString();
  const all = await client.getAllBalances(address);
  check(all.length === 1 && all[0].denom === denom && all[0].amount === before.amount,
        `getAllBalances ${JSON.stringify(all)}`);
  const recipientBefore = BigInt((await client.getBalance(recipient, denom)).amount);

  // The echo handler's fee, escrowed at creation and paid to the verdict's submitter.
  const handlers = await getJson("/seer/async/v1/handlers");
  const echo = (handlers.handlers ?? []).find((h) => h.name === "echo");
  check(echo !== undefined, `no echo handler in ${JSON.stringify(handlers).slice(0, 300)}`);
  const handlerFee = BigInt(echo.fee);
  summary.handler_fee = handlerFee.toString();

  // 4. A future and a transfer, each with fee "auto" (Simulate, then gas x 1.4 x 0.001useer).
  const input = new TextEncoder().encode(inputText);
  const addMsg = { typeUrl: addFutureUrl, value: { creator: address, handler: "echo", input } };
  const added = await withTimeout(client.signAndBroadcast(address, [addMsg], "auto"), 60000,
                                  "signAndBroadcast MsgAddFuture");
  check(added.code === 0, `MsgAddFuture tx code ${added.code}: ${added.rawLog ?? ""}`);
  check(added.msgResponses !== undefined && added.msgResponses.length === 1,
        `MsgAddFuture msgResponses ${JSON.stringify(added.msgResponses)}`);
  check(added.msgResponses[0].typeUrl === addFutureResponseUrl,
        `MsgAddFuture response type ${added.msgResponses[0].typeUrl}`);
  const futureId = MsgAddFutureResponse.decode(added.msgResponses[0].value).id;
  check(futureId > 0n, `future id ${futureId}`);
  summary.future_id = futureId.toString();
  summary.add_future_tx = added.transactionHash;
  summary.add_future_height = added.height;
  summary.add_future_gas = { wanted: String(added.gasWanted), used: String(added.gasUsed) };
  const createdEvent = added.events.find((e) => e.type === "future_created");
  check(createdEvent !== undefined, `no future_created event in ${JSON.stringify(added.events).slice(0, 500)}`);
  const evId = createdEvent.attributes.find((a) => a.key === "future_id");
  check(evId !== undefined && evId.value === summary.future_id,
        `future_created.future_id ${JSON.stringify(evId)} vs msg response ${futureId}`);

  const sendMsg = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: { fromAddress: address, toAddress: recipient, amount: [{ denom, amount: sendAmount.toString() }] },
  };
  const sent = await withTimeout(client.signAndBroadcast(address, [sendMsg], "auto"), 60000,
                                 "signAndBroadcast MsgSend");
  check(sent.code === 0, `MsgSend tx code ${sent.code}: ${sent.rawLog ?? ""}`);
  check(sent.msgResponses.length === 1 && sent.msgResponses[0].typeUrl === "/cosmos.bank.v1beta1.MsgSendResponse",
        `MsgSend msgResponses ${JSON.stringify(sent.msgResponses)}`);
  summary.send_tx = sent.transactionHash;
  summary.send_gas = { wanted: String(sent.gasWanted), used: String(sent.gasUsed) };

  // getTx: both final with code 0, and the fees the client signed, read back from AuthInfo.
  const txFee = async (hash, what) => {
    const tx = await client.getTx(hash);
    check(tx !== null, `getTx(${hash}) of the ${what} is null`);
    check(tx.code === 0, `getTx ${what} code ${tx.code}`);
    check(tx.hash.toUpperCase() === hash.toUpperCase(), `getTx ${what} hash ${tx.hash}`);
    const decoded = decodeTxRaw(tx.tx);
    check(decoded.body.messages.length === 1, `${what}: ${decoded.body.messages.length} messages`);
    return { fee: feeOf(decoded.authInfo.fee.amount), gasLimit: decoded.authInfo.fee.gasLimit, tx, decoded };
  };
  const a = await txFee(added.transactionHash, "MsgAddFuture");
  check(a.decoded.body.messages[0].typeUrl === addFutureUrl, "getTx MsgAddFuture type URL");
  const roundTrip = registry.decode(a.decoded.body.messages[0]);
  check(roundTrip.creator === address && roundTrip.handler === "echo" &&
        new TextDecoder().decode(roundTrip.input) === inputText, "getTx MsgAddFuture body");
  check(String(a.gasLimit) === String(added.gasWanted), `gas limit ${a.gasLimit} vs gas wanted ${added.gasWanted}`);
  const s = await txFee(sent.transactionHash, "MsgSend");
  check(s.decoded.body.messages[0].typeUrl === "/cosmos.bank.v1beta1.MsgSend", "getTx MsgSend type URL");
  summary.fee_add_future = a.fee.toString();
  summary.fee_send = s.fee.toString();
  // "auto": fee = ceil(gas limit x 0.001), gas limit = ceil(simulated gas x 1.4).
  for (const [t, what] of [[a, "MsgAddFuture"], [s, "MsgSend"]]) {
    const expected = (BigInt(t.gasLimit) + 999n) / 1000n;
    check(t.fee === expected, `${what}: fee ${t.fee} for gas limit ${t.gasLimit} at 0.001useer (want ${expected})`);
  }

  // searchTx by the message.sender event: both transactions.
  const found = await client.searchTx(`message.sender='${address}'`);
  const hashes = found.map((t) => t.hash.toUpperCase());
  summary.search_count = found.length;
  check(hashes.includes(added.transactionHash.toUpperCase()), `searchTx lacks the MsgAddFuture tx: ${hashes}`);
  check(hashes.includes(sent.transactionHash.toUpperCase()), `searchTx lacks the MsgSend tx: ${hashes}`);
  const byId = await client.searchTx(`future_created.future_id=${futureId}`);
  check(byId.length === 1 && byId[0].hash.toUpperCase() === added.transactionHash.toUpperCase(),
        `searchTx future_created.future_id=${futureId}: ${byId.map((t) => t.hash)}`);

  // 5. The future, over REST, until final (60 s at most).
  let future;
  const deadline = Date.now() + 60000;
  for (;;) {
    future = (await getJson(`/seer/async/v1/futures/${futureId}`)).future;
    if (future && future.status !== "FUTURE_STATUS_PENDING" && future.status !== "FUTURE_STATUS_UNSPECIFIED") break;
    check(Date.now() < deadline, `future ${futureId} still ${future && future.status} after 60 s`);
    await sleep(300);
  }
  summary.status = String(future.status).replace(/^FUTURE_STATUS_/, "");
  check(future.status === "FUTURE_STATUS_VERIFIED", `future ${futureId}: ${JSON.stringify(future).slice(0, 500)}`);
  check(future.creator === address, `future creator ${future.creator}`);
  const output = Buffer.from(future.result?.output ?? "", "base64").toString();
  summary.output = output;
  check(output === inputText, `future output ${JSON.stringify(output)}`);

  // 6. The balance, to the unit: the transfer, both tx fees and the handler's fee.
  const after = await client.getBalance(address, denom);
  const balanceAfter = BigInt(after.amount);
  const expectedAfter = balanceBefore - sendAmount - a.fee - s.fee - handlerFee;
  summary.sent = sendAmount.toString();
  summary.balance_after = balanceAfter.toString();
  summary.expected_after = expectedAfter.toString();
  check(balanceAfter === expectedAfter,
        `balance ${balanceAfter}, expected ${balanceBefore} - ${sendAmount} - ${a.fee} - ${s.fee} - ${handlerFee} = ${expectedAfter}`);
  const recipientAfter = BigInt((await client.getBalance(recipient, denom)).amount);
  // The recipient may also be the block proposer (tx fees) or the verdict's submitter.
  check(recipientAfter >= recipientBefore + sendAmount, `recipient ${recipientBefore} -> ${recipientAfter}`);
  const accountAfter = await client.getAccount(address);
  summary.sequence_after = Number(accountAfter.sequence);
  check(summary.sequence_after === summary.sequence_before + 2, `sequence ${account.sequence} -> ${accountAfter.sequence}`);
  check(accountAfter.pubkey !== null && accountAfter.pubkey.value === Buffer.from(account0.pubkey).toString("base64"),
        `account pubkey after signing ${JSON.stringify(accountAfter.pubkey)}`);

  // 7. Malleability (issue 11): the same signed tx re-encoded (an unknown field appended, or
  // body_bytes written twice) is refused at check_tx with code 2; the original then commits,
  // under the hash cosmjs computed for it.
  const { TxRaw } = require("cosmjs-types/cosmos/tx/v1beta1/tx");
  const signed = await client.sign(address, [sendMsg], { amount: [{ denom, amount: "300" }], gas: "300000" }, "");
  const original = TxRaw.encode(signed).finish();
  const withUnknown = Uint8Array.from([...original, 0x78, 0x01]);
  const bodyTwice = Uint8Array.from([
    ...TxRaw.encode(TxRaw.fromPartial({ bodyBytes: signed.bodyBytes })).finish(), ...original]);
  summary.malleated = {};
  for (const [name, bytes] of [["unknown_field", withUnknown], ["body_bytes_twice", bodyTwice]]) {
    let code = 0;
    try {
      await client.broadcastTx(bytes, 20000, 500);
    } catch (e) {
      code = e.code ?? -1;
      summary.malleated[name] = { code, log: String(e.log ?? e.message).slice(0, 200) };
    }
    check(code === 2, `a ${name} re-encoding of a signed tx was not refused with code 2: ${JSON.stringify(summary.malleated[name])}`);
  }
  const committed = await withTimeout(client.broadcastTx(original, 60000, 500), 70000, "broadcastTx original");
  check(committed.code === 0, `the original of the malleated tx: code ${committed.code} ${committed.rawLog ?? ""}`);
  summary.original_sent = sendAmount.toString();
  summary.original_fee = "300";

  summary.ok = true;
  client.disconnect();
  console.log(JSON.stringify(summary, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  process.exit(0);
} catch (e) {
  summary.ok = false;
  summary.error = e && e.message ? e.message : String(e);
  if (e && e.stack) console.error(e.stack);
  try { comet?.disconnect(); } catch {}
  console.log(JSON.stringify(summary, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  process.exit(1);
}
