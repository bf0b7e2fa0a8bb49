// Two people chat through the packed npm client against a running reference host (BASE_URL):
// catch-up by seq, a reconnect that loses and repeats nothing, and a removal that stops the
// connection with the reason. Exits non-zero, saying what failed, on any broken promise.
import { ChatClient, ChatError } from "@chatengine/client";

const base = process.env.BASE_URL;
const suffix = Math.random().toString(36).slice(2, 8);

async function register(name) {
  const credentials = { username: name, password: "Passw0rd!" };
  let response = await fetch(`${base}/user/register/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(credentials) });
  if (!response.ok) throw new Error(`register ${name}: ${response.status} ${await response.text()}`);
  response = await fetch(`${base}/api/token/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(credentials) });
  if (!response.ok) throw new Error(`token ${name}: ${response.status}`);
  const { access } = await response.json();
  return new ChatClient({ baseUrl: base, accessToken: () => access });
}

/** Waits until the condition holds; the deadline only turns a hang into a failure. */
async function until(what, condition, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function recorder() {
  const seen = { events: [], states: [] };
  return [seen, { onEvent: (e) => seen.events.push(e), onState: (s) => seen.states.push(s) }];
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const aliceName = `alice_${suffix}`, bobName = `bob_${suffix}`;
const alice = await register(aliceName);
const bob = await register(bobName);

const group = await alice.createGroup("Team", [bobName]);
const bobPage = await bob.getGroup(group.id, { markRead: false });
const [bobSeen, bobHandlers] = recorder();
const bobConnection = bob.connect(group.id, bobPage.seq, bobHandlers);
const [aliceSeen, aliceHandlers] = recorder();
const aliceConnection = alice.connect(group.id, 0, aliceHandlers);
await until("both live", () => bobSeen.states.some((s) => s.state === "live") && aliceSeen.states.some((s) => s.state === "live"));
assert(aliceSeen.events[0]?.type === "member_added" && aliceSeen.events[0]?.seq === 1, "Alice's replay from 0 starts with the group's creation");

aliceConnection.send("one");
const messages = () => bobSeen.events.filter((e) => e.type === "message").map((e) => e.text);
await until("Bob gets 'one'", () => messages().includes("one"));

// Bob's socket drops while Alice keeps talking: he gets every message once, in order.
bobConnection.reconnect();
aliceConnection.send("two");
aliceConnection.send("three");
await until("Bob gets 'three'", () => messages().includes("three"));
assert(JSON.stringify(messages()) === JSON.stringify(["one", "two", "three"]), `Bob's messages: ${JSON.stringify(messages())}`);
assert(bobSeen.states.some((s) => s.state === "reconnecting"), "Bob's connection said it was reconnecting");

// Messages that change: a reply, an edit and a reaction over the socket, a pin over REST; each
// reaches the other side as its event, and the REST view shows the message as it is now.
const one = bobSeen.events.find((e) => e.type === "message" && e.text === "one");
bobConnection.send("a reply to one", undefined, one.id);
await until("Alice gets the reply", () => aliceSeen.events.some((e) => e.type === "message" && e.reply_preview?.id === one.id));
aliceConnection.edit(one.id, "one, edited");
await until("Bob hears of the edit", () => bobSeen.events.some((e) => e.type === "message_updated" && e.text === "one, edited"));
bobConnection.react(one.id, "🎉");
await until("Alice hears of the reaction", () => aliceSeen.events.some((e) => e.type === "reaction" && e.emoji === "🎉" && e.count === 1));
await alice.pin(group.id, one.id);
await until("Bob hears of the pin", () => bobSeen.events.some((e) => e.type === "pin" && e.pinned));
const shown = await alice.getMessage(group.id, one.id);
assert(shown.text === "one, edited" && shown.edited_at && shown.pinned && shown.reactions?.[0]?.emoji === "🎉", `the message now: ${JSON.stringify(shown)}`);
assert((await bob.getPins(group.id))[0]?.id === one.id, "Bob sees the pin");
bobConnection.edit(one.id, "not Bob's to edit");
await until("Bob is refused, by message", () => bobSeen.events.some((e) => e.type === "error" && e.code === "not_author" && e.id === one.id));

// A stored file: Alice uploads it, sends it over the socket; Bob's event carries it and he downloads it.
const upload = await alice.upload(group.id, new Blob(["minutes of the meeting"], { type: "text/plain" }), "minutes.txt");
assert(upload.type === "text/plain" && upload.size === 22 && upload.thumb_url === null && upload.expires, `the upload: ${JSON.stringify(upload)}`);
aliceConnection.send("", undefined, undefined, [upload.id]);
await until("Bob gets the file", () => bobSeen.events.some((e) => e.type === "message" && e.attachments?.[0]?.id === upload.id));
const carried = bobSeen.events.find((e) => e.type === "message" && e.attachments?.[0]?.id === upload.id).attachments[0];
assert((await (await bob.download(carried.url)).text()) === "minutes of the meeting", "Bob downloads the file");

// Alice removes Bob: his connection hears of it, then stops, saying why.
await alice.removeMember(group.id, bobName);
await until("Bob's connection stops", () => bobSeen.states.some((s) => s.state === "stopped"));
assert(bobSeen.events.some((e) => e.type === "member_removed"), "Bob heard he was removed");
assert(bobSeen.states.at(-1).reason === "not_member", `stopped because: ${JSON.stringify(bobSeen.states.at(-1))}`);

const seqs = bobSeen.events.filter((e) => typeof e.seq === "number").map((e) => e.seq);
assert(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1), `Bob's changes in seq order without gaps: ${seqs}`);

// Refusals are typed.
try {
  await bob.getGroup(group.id);
  throw new Error("Bob could still read the group");
} catch (error) {
  assert(error instanceof ChatError && (error.status === 403 || error.status === 404), `refusal: ${error}`);
}

// Alice signs out everywhere: her chat connection and her user stream stop at once, saying why
// (a host may still take her access token for REST calls until it expires; this one does not).
const [aliceAgain, aliceAgainHandlers] = recorder();
const [aliceStream, aliceStreamHandlers] = recorder();
aliceConnection.close();
const aliceNow = alice.connect(group.id, 0, aliceAgainHandlers);
const aliceUser = alice.connectUser(aliceStreamHandlers);
await until("Alice live again", () => [aliceAgain, aliceStream].every((seen) => seen.states.some((s) => s.state === "live")));
await alice.request("POST", "/user/logout/", { everywhere: true });
for (const [what, seen] of [["connection", aliceAgain], ["user stream", aliceStream]]) {
  await until(`Alice's ${what} stops`, () => seen.states.some((s) => s.state === "stopped"));
  assert(seen.states.at(-1).reason === "signed_out", `${what} stopped because: ${JSON.stringify(seen.states.at(-1))}`);
  assert(!seen.states.some((s) => s.state === "reconnecting"), `Alice's ${what} stopped without trying again`);
}
try {
  await alice.getGroup(group.id, { markRead: false });
  throw new Error("Alice's token still reads REST");
} catch (error) {
  assert(error instanceof ChatError && error.status === 401, `after signing out: ${error}`);
}
aliceNow.close();
aliceUser.close();
console.log(`ok: ${seqs.length} changes to Bob, ${aliceSeen.events.length} events to Alice`);
