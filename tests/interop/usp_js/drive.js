// Drives a USP Agent with usp-js (an independent USP Controller library) over MQTT and
// prints one JSON object: for each step {ok: true, result} or {ok: false, error}.
//
//   node drive.js '{"host": "127.0.0.1", "port": 1883, "toId": "os::...", "fromId": "...",
//                   "agentTopic": "/usp/endpoint", "controllerTopic": "/usp/controller"}'
//
// A step that fails does not stop the others; the exit code is 0 once the JSON is printed,
// 2 when the connection itself fails (the JSON then says why).
"use strict";

const connect = require("usp-js").default;

const opts = JSON.parse(process.argv[2]);
const STEP_TIMEOUT = opts.timeout || 8000;
const results = {};

function describe(error) {
  if (error instanceof Error) return { message: error.message };
  if (typeof error === "object" && error !== null) return error;
  return { message: String(error) };
}

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject({ message: `${what}: no answer within ${ms} ms` }), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// usp-js 0.5.1 routes a Notify to a handler by its subscription_id, which an OnBoardRequest
// leaves empty (TR-369 R-NOT.7): it reaches no handler, only the connection's onError hook
// ("Could not locate id for message:" and the Msg as usp-js decoded it). Collected here.
const onBoards = [];

function onError(err) {
  const at = typeof err === "string" ? err.indexOf("{") : -1;
  if (at < 0) return;
  try {
    const msg = JSON.parse(err.slice(at));
    const notify = msg && msg.body && msg.body.request && msg.body.request.notify;
    if (notify && notify.onBoardReq) onBoards.push({ msgId: msg.header.msgId, notify });
  } catch (_) {
    // not a Msg: another error
  }
}

function until(check) {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 20));
    poll();
  });
}

async function step(name, run) {
  try {
    results[name] = { ok: true, result: await within(run(), STEP_TIMEOUT, name) };
  } catch (error) {
    results[name] = { ok: false, error: describe(error) };
  }
}

async function main() {
  let usp;
  try {
    usp = await connect({
      host: opts.host,
      port: opts.port,
      protocol: "mqtt",
      toId: opts.toId,
      fromId: opts.fromId,
      publishEndpoint: opts.agentTopic,
      subscribeEndpoint: opts.controllerTopic,
      connectTimeout: STEP_TIMEOUT,
      reconnectPeriod: 0,
    }, { onError });
  } catch (error) {
    results.connect = { ok: false, error: describe(error) };
    process.stdout.write(JSON.stringify(results) + "\n");
    process.exit(2);
  }
  results.connect = { ok: true, result: usp.getUSPVersion() };

  await step("supportedProto", () => usp.supportedProto("1.0,1.1,1.2,1.3,1.4"));
  await step("get", () => usp.get("Device.DeviceInfo.SerialNumber"));
  await step("set", () => usp.set("Device.DeviceInfo.ProvisioningCode", "USPJS.1"));
  let added = null;
  await step("add", async () => {
    added = await usp.add("Device.IP.Interface.", { Enable: "false" });
    return added;
  });
  await step("instances", () => usp.instances("Device.IP.Interface."));
  await step("supportedDM", () =>
    usp.supportedDM("Device.DeviceInfo.", {
      firstLevelOnly: true,
      returnCommands: true,
      returnEvents: true,
      returnParams: true,
    }),
  );
  await step("del", () =>
    usp.del(typeof added === "string" ? added : "Device.IP.Interface.9999."),
  );
  await step("subscription", async () => {
    let notified;
    const arrived = new Promise((resolve) => {
      notified = resolve;
    });
    const clear = await usp.subscribe(
      {
        id: "uspjs-value-change",
        notif: "ValueChange",
        reference: "Device.DeviceInfo.ProvisioningCode",
      },
      (msg, fullMsg) => notified({ msg, fullMsg }),
    );
    await usp.set("Device.DeviceInfo.ProvisioningCode", "USPJS.2");
    const notification = await within(arrived, STEP_TIMEOUT, "the ValueChange Notify");
    await clear().catch(() => null);
    return notification;
  });
  await step("asyncOperate", async () => {
    const [ping, clear] = await usp.operate("Device.IP.Diagnostics.IPPing()", {
      isAsync: true,
      commandKey: "uspjs-ping",
    });
    const done = await ping({ Host: "127.0.0.1", NumberOfRepetitions: "1", Timeout: "1000" });
    await clear().catch(() => null);
    return done;
  });
  await step("onBoardRequest", async () => {
    const seen = onBoards.length;
    const [send] = await usp.operate(
      `Device.LocalAgent.Controller.[EndpointID=="${opts.fromId}"].SendOnBoardRequest()`,
      { isAsync: false },
    );
    const output = await send();
    await until(() => onBoards.length > seen);
    // NotifyResp with the empty subscription_id (usp-js's own, undocumented, encoder);
    // not awaited: a response has no answer to wait for
    const answered = onBoards.map((got) => got.msgId);
    answered.forEach((msgId) => usp._notifyResp("", msgId).catch(() => null));
    await new Promise((r) => setTimeout(r, 500));
    return { output, notify: onBoards[onBoards.length - 1].notify, answered };
  });
  await step("operate", async () => {
    const [reboot] = await usp.operate("Device.Reboot()", { isAsync: false });
    return await reboot();
  });

  process.stdout.write(JSON.stringify(results) + "\n");
  await Promise.race([usp.disconnect(), new Promise((r) => setTimeout(r, 1000))]);
  process.exit(0);
}

main().catch((error) => {
  results.harness = { ok: false, error: describe(error) };
  process.stdout.write(JSON.stringify(results) + "\n");
  process.exit(3);
});
