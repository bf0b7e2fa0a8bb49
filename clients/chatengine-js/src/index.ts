// The typed client of ChatEngine's wire contract (docs/api-contract.md, docs/api-contract-v2.md):
// REST calls, and a chat connection that catches up by `seq`, drops what it already has, fills
// gaps, reconnects, and stops, saying why, when the user signed out or left the chat.

/** How the client reaches the server and proves who the user is. */
export interface ChatClientOptions {
  /** Where the app maps ChatEngine's routes, e.g. `https://example.com` or `https://example.com/chat`. */
  baseUrl: string;
  /** A bearer token for each call (apps, Node); leave it out in a browser page with a cookie session. */
  accessToken?: () => string | Promise<string>;
  /** The anti-forgery token a cookie session's changes need (ChatEngine's pages carry it in `<meta name="ce-antiforgery">`). */
  antiforgeryToken?: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /** The `WebSocket` constructor to use; the global one by default. */
  WebSocket?: typeof WebSocket;
}

/** A refusal of the server: its HTTP status, and the contract's error `code` when it sent one. */
export class ChatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = "ChatError";
  }
}

/** A private chat in the list (`GET /chat/`). */
export interface ChatListItem {
  id: number;
  username: string;
  lastMessage: string | null;
  unread: number;
  time: string;
  seq: number;
  /** Whether the other user is online now. */
  is_online?: boolean;
  /** Unread messages that mention you. */
  mentions?: number;
  /** What of the chat notifies you, and until when it is muted. */
  notify_level?: NotifyLevel;
  muted_until?: string | null;
  /** Whether you blocked the other user (who then shows as offline). */
  blocked?: boolean;
}

/** What of a chat notifies you: every message, mentions only (in a private chat, every message), or nothing. */
export type NotifyLevel = "all" | "mentions" | "none";

/** Your notification settings for a chat (`GET|PUT /chat/{id}/notifications`). */
export interface NotificationSettings {
  level: NotifyLevel;
  /** While this lies ahead nothing notifies; `null` for no mute. */
  muted_until: string | null;
}

/** A group in the list (`GET /group/`). */
export interface GroupListItem {
  id: number;
  name: string;
  lastMessage: string | null;
  unread: number;
  time: string;
  seq: number;
  /** Unread messages that mention you. */
  mentions?: number;
  notify_level?: NotifyLevel;
  muted_until?: string | null;
}

/** A message as pages and events carry it (contract v2, section 2). */
export interface ChatMessage {
  id: number;
  sender: number;
  text: string;
  time: string;
  read: boolean;
  seq?: number;
  edited_at?: string | null;
  deleted?: boolean;
  pinned?: boolean;
  reply_to?: number | null;
  reply_preview?: ReplyPreview | null;
  reactions?: Reaction[];
  /** The ids of the members the text mentions (`@name`), in order. */
  mentions?: number[];
  attachments?: Attachment[];
  [field: string]: unknown;
}

/**
 * A stored file of a message (contract v2, section 3). `url` and `thumb_url` are absolute paths on the
 * server: a cookie page uses them as they are; a bearer client fetches them with {@link ChatClient.download}.
 */
export interface Attachment {
  id: string;
  name: string;
  type: string;
  size: number;
  url: string;
  /** An image shown inline has a thumbnail and its size; other files have `null`. */
  thumb_url: string | null;
  width: number | null;
  height: number | null;
}

/** A new upload: pending, seen by you only, until a message of yours carries it (before `expires`). */
export interface UploadedAttachment extends Attachment {
  expires: string;
}

/** What a message carries besides its text. */
export interface SendOptions {
  clientId?: string;
  replyTo?: number;
  /** Ids of your pending uploads to the chat (see {@link ChatClient.upload}); the text may then be empty. */
  attachments?: string[];
}

/** What a reply shows of the message it quotes, as that message is now. */
export interface ReplyPreview {
  id: number;
  sender: number;
  sender_username: string;
  text: string;
  deleted: boolean;
  attachments: number;
}

/** An emoji on a message: how many reacted with it, and whether you did. */
export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

/** The users who reacted with one emoji (`GET …/reactions/{emoji}`). */
export interface ReactorsPage {
  users: { id: number; username: string; time: string }[];
  has_more: boolean;
}

/** A page of a chat (`GET /chat/{id}`, `GET /group/{id}`): its `seq` is where to connect from. */
export interface ChatPage {
  id: number;
  chatname: string;
  messages: ChatMessage[];
  myid: number;
  is_online: boolean;
  lastseen: string | null;
  has_more: boolean;
  has_newer?: boolean;
  seq: number;
  [field: string]: unknown;
}

/** Which page of a chat to read: the newest, `before` a message, or `around` one; `markRead: false` leaves it unread. */
export interface PageQuery {
  before?: number;
  around?: number;
  /** Messages on the page (the server's default when left out, at most 200). */
  limit?: number;
  markRead?: boolean;
}

/** A group's details (`POST /group/`, `GET /group/{id}`). */
export interface Group {
  id: number;
  name: string;
  code: string | null;
  members: string[];
  admins: string[];
  /** The owner's username: the one member no admin can remove or demote, and the only one who may delete the group. */
  owner?: string;
  seq: number;
  /** Members an admin muted, and until when (`null`: for good). */
  muted?: { username: string; until: string | null }[];
  [field: string]: unknown;
}

/** A message found by `GET /search/messages/`: where it is, and a snippet with the matches' [start, end) offsets. */
export interface MessageSearchResult {
  chat_id: number;
  chat_kind: "private" | "group";
  chat_name: string;
  id: number;
  sender: number;
  sender_username: string;
  time: string;
  /** Plain text around the first match (… where cut): escape it, and wrap `highlights` yourself. */
  snippet: string;
  highlights: [number, number][];
}

/** A page of message search results; pass `next` back as `before` (newest first) or `cursor` (relevance). */
export interface MessageSearchPage {
  results: MessageSearchResult[];
  has_more: boolean;
  next: string | null;
}

/** Someone you blocked (`GET /me/blocks/`). */
export interface BlockedUser {
  id: number;
  username: string;
  time: string;
}

/** A ban of a group (`GET /group/{id}/bans`, admins only). */
export interface GroupBan {
  id: number;
  username: string;
  until: string | null;
  reason: string | null;
  /** The admin's user id. */
  by: number;
  time: string;
}

/** Why a message is reported. */
export type ReportReason = "spam" | "abuse" | "inappropriate" | "other";

/** An open report (`GET /group/{id}/reports`, and the `report` event admins get on their stream). */
export interface MessageReport {
  id: number;
  chat_id?: number;
  /** The message as it was when reported. */
  message: { id: number; sender: number; sender_username: string; text: string; time: string };
  reporter: number;
  reporter_username: string;
  reason: ReportReason;
  note: string | null;
  time: string;
}

/** A user found by search (`GET /search/?q=`). */
export interface FoundUser {
  id: number;
  username: string;
  is_online: boolean;
  lastseen: string | null;
}

/** An answer of `GET /chat/{id}/changes`. */
export interface ChangesPage {
  events: ChatEvent[];
  seq: number;
  has_more: boolean;
  limited: boolean;
}

/** An event of a chat connection: a numbered change (`seq`) or an ephemeral one (`typing`, `status`, `read`, `error`). */
export interface ChatEvent {
  type: string;
  chat_id?: number;
  seq?: number;
  [field: string]: unknown;
}

/**
 * Where a connection stands: `connecting`, `live` (caught up and receiving), `reconnecting` (the
 * socket dropped; it comes back from the last `seq`), `reload` (too much changed to replay: load the
 * newest page and connect again from its `seq`), or `stopped` with the reason.
 */
export type ConnectionState =
  | { state: "connecting" }
  | { state: "live"; seq: number }
  | { state: "reconnecting"; attempt: number }
  | { state: "reload"; seq: number }
  | { state: "stopped"; reason: "closed" | "signed_out" | "not_member" };

/** What a connection tells its owner. */
export interface ConnectionHandlers {
  /** Each event once, numbered changes in `seq` order. */
  onEvent?: (event: ChatEvent) => void;
  onState?: (state: ConnectionState) => void;
}

/** REST calls of the contract, and chat connections. */
export class ChatClient {
  readonly #options: ChatClientOptions;
  readonly #base: string;

  constructor(options: ChatClientOptions) {
    this.#options = options;
    this.#base = options.baseUrl.replace(/\/+$/, "");
  }

  listChats(): Promise<ChatListItem[]> {
    return this.request("GET", "/chat/");
  }

  /** Starts (or finds) the private chat with a user. */
  startChat(username: string): Promise<ChatListItem> {
    return this.request("POST", "/chat/", { username });
  }

  /** A page of a chat (see {@link PageQuery}). */
  getChat(chatId: number, page: PageQuery = {}): Promise<ChatPage> {
    return this.request("GET", `/chat/${chatId}${pageQuery(page)}`);
  }

  /** Every change after `afterSeq`, in order (call again from `seq` while `has_more`). */
  getChanges(chatId: number, afterSeq: number, limit?: number): Promise<ChangesPage> {
    return this.request("GET", `/chat/${chatId}/changes${query({ after_seq: afterSeq, limit })}`);
  }

  getNotifications(chatId: number): Promise<NotificationSettings> {
    return this.request("GET", `/chat/${chatId}/notifications`);
  }

  /** Sets what of a chat notifies you, and mutes it until a time (`null`: not muted). */
  setNotifications(chatId: number, settings: NotificationSettings): Promise<NotificationSettings> {
    return this.request("PUT", `/chat/${chatId}/notifications`, settings);
  }

  /** Sends a message over REST (a socket's `send` is the pipelined way); a repeated client id gets the first message. */
  sendMessage(chatId: number, text: string, options: SendOptions = {}): Promise<ChatMessage> {
    return this.request("POST", `/chat/${chatId}/messages`, { text, client_id: options.clientId, reply_to: options.replyTo, attachments: options.attachments });
  }

  /**
   * Uploads a file to a chat as a pending attachment, streamed by the browser; `onProgress` hears of
   * the bytes sent (in a browser, where uploads report progress). Send a message with its id next.
   */
  upload(chatId: number, file: Blob, name?: string, onProgress?: (sent: number, total: number) => void): Promise<UploadedAttachment> {
    const form = new FormData();
    form.append("file", file, name ?? (file as File).name ?? "file");
    const path = `/chat/${chatId}/attachments`;
    return onProgress && typeof XMLHttpRequest !== "undefined" ? this.#uploadWithProgress(path, form, onProgress) : this.request("POST", path, form);
  }

  /** A file of a message (or its thumbnail), fetched with the client's credentials: for bearer clients, which then show a blob URL. */
  async download(url: string): Promise<Blob> {
    const response = await (this.#options.fetch ?? fetch)(this.resolve(url), { headers: await this.#headers("GET"), credentials: "same-origin" });
    if (!response.ok) {
      const json = await response.json().catch(() => undefined);
      throw new ChatError(response.status, json?.code, json?.detail ?? `HTTP ${response.status}`);
    }

    return response.blob();
  }

  /** An attachment's `url` (an absolute path on the server) as a full address. */
  resolve(url: string): string {
    return new URL(url, new URL(this.#base + "/", typeof location === "undefined" ? undefined : location.href)).toString();
  }

  async #uploadWithProgress(path: string, form: FormData, onProgress: (sent: number, total: number) => void): Promise<UploadedAttachment> {
    const headers = await this.#headers("POST");
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", this.#base + path);
      for (const [name, value] of Object.entries(headers)) {
        request.setRequestHeader(name, value);
      }

      request.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
      request.onerror = () => reject(new ChatError(0, undefined, "The upload failed: the connection was lost."));
      request.onload = () => {
        const json = request.responseText ? JSON.parse(request.responseText) : undefined;
        if (request.status >= 200 && request.status < 300) {
          resolve(json as UploadedAttachment);
        } else {
          reject(new ChatError(request.status, json?.code, json?.detail ?? json?.title ?? `HTTP ${request.status}`));
        }
      };
      request.send(form);
    });
  }

  getMessage(chatId: number, messageId: number): Promise<ChatMessage> {
    return this.request("GET", `/chat/${chatId}/messages/${messageId}`);
  }

  /** Edits your own message; the answer is the message as it is now. */
  editMessage(chatId: number, messageId: number, text: string, clientId?: string): Promise<ChatMessage> {
    return this.request("PATCH", `/chat/${chatId}/messages/${messageId}`, { text, client_id: clientId });
  }

  /** Deletes a message (yours; any, in a group you administer): it stays as a tombstone. */
  deleteMessage(chatId: number, messageId: number): Promise<void> {
    return this.request("DELETE", `/chat/${chatId}/messages/${messageId}`);
  }

  react(chatId: number, messageId: number, emoji: string): Promise<Reaction> {
    return this.request("POST", `/chat/${chatId}/messages/${messageId}/reactions`, { emoji });
  }

  unreact(chatId: number, messageId: number, emoji: string): Promise<void> {
    return this.request("DELETE", `/chat/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
  }

  getReactors(chatId: number, messageId: number, emoji: string, page: { after?: number; limit?: number } = {}): Promise<ReactorsPage> {
    return this.request("GET", `/chat/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}${query(page)}`);
  }

  /** A chat's pinned messages, the newest pin first (each with `pinned_by` and `pinned_at`). */
  getPins(chatId: number): Promise<(ChatMessage & { pinned_by: number; pinned_at: string })[]> {
    return this.request("GET", `/chat/${chatId}/pins`);
  }

  pin(chatId: number, messageId: number): Promise<void> {
    return this.request("POST", `/chat/${chatId}/pins`, { id: messageId });
  }

  unpin(chatId: number, messageId: number): Promise<void> {
    return this.request("DELETE", `/chat/${chatId}/pins/${messageId}`);
  }

  listGroups(): Promise<GroupListItem[]> {
    return this.request("GET", "/group/");
  }

  createGroup(name: string, members: string[] = []): Promise<Group> {
    return this.request("POST", "/group/", { name, members });
  }

  async getGroup(groupId: number, page: PageQuery = {}): Promise<Group & ChatPage> {
    const group = await this.request<Group & ChatPage>("GET", `/group/${groupId}${pageQuery(page)}`);
    group.name ??= group.chatname; // The detail names the chat `chatname`, as the original's did.
    return group;
  }

  renameGroup(groupId: number, name: string): Promise<Group> {
    return this.request("PATCH", `/group/${groupId}`, { name });
  }

  deleteGroup(groupId: number): Promise<void> {
    return this.request("DELETE", `/group/${groupId}`);
  }

  addMembers(groupId: number, usernames: string[]): Promise<Group> {
    return this.request("POST", `/group/${groupId}/members`, { usernames });
  }

  removeMember(groupId: number, username: string): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/members/${encodeURIComponent(username)}`);
  }

  promote(groupId: number, username: string): Promise<Group> {
    return this.request("POST", `/group/${groupId}/admins`, { username });
  }

  demote(groupId: number, username: string): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/admins/${encodeURIComponent(username)}`);
  }

  regenerateJoinCode(groupId: number): Promise<{ code: string }> {
    return this.request("POST", `/group/${groupId}/code`);
  }

  revokeJoinCode(groupId: number): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/code`);
  }

  leaveGroup(groupId: number): Promise<void> {
    return this.request("POST", `/group/${groupId}/leave`);
  }

  joinGroup(code: string): Promise<{ id: number; name: string; detail?: string }> {
    return this.request("POST", "/group-join/", { code });
  }

  /** Searches the messages of your chats: every word must match (the last as a prefix too), `"a phrase"` in order. */
  searchMessages(q: string, options: { chat?: number; from?: string; order?: "recent" | "relevance"; before?: string; cursor?: string; limit?: number } = {}): Promise<MessageSearchPage> {
    return this.request("GET", `/search/messages/${query({ q, ...options })}`);
  }

  /** The users you blocked. */
  listBlocks(): Promise<BlockedUser[]> {
    return this.request("GET", "/me/blocks/");
  }

  /** Blocks a user: no private chat or group with you from them, and no typing or presence of theirs reaches you. */
  block(username: string): Promise<void> {
    return this.request("POST", "/me/blocks/", { username });
  }

  unblock(username: string): Promise<void> {
    return this.request("DELETE", `/me/blocks/${encodeURIComponent(username)}`);
  }

  /** Mutes a member (admins): they read but cannot post, until `until` (an ISO time) or for good. */
  mute(groupId: number, username: string, until: string | null = null, reason?: string): Promise<void> {
    return this.request("POST", `/group/${groupId}/mutes`, { username, until, reason });
  }

  unmute(groupId: number, username: string): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/mutes/${encodeURIComponent(username)}`);
  }

  /** Bans a user (admins): a member is removed, and nobody is let back in by code or added until it ends. */
  ban(groupId: number, username: string, until: string | null = null, reason?: string): Promise<void> {
    return this.request("POST", `/group/${groupId}/bans`, { username, until, reason });
  }

  unban(groupId: number, username: string): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/bans/${encodeURIComponent(username)}`);
  }

  listBans(groupId: number): Promise<GroupBan[]> {
    return this.request("GET", `/group/${groupId}/bans`);
  }

  /** Reports someone's message to the group's admins and the server's operators; again gives the same id. */
  report(chatId: number, messageId: number, reason: ReportReason, note?: string): Promise<{ id: number }> {
    return this.request("POST", `/chat/${chatId}/messages/${messageId}/report`, { reason, note });
  }

  /** A group's open reports, newest first (admins). */
  listReports(groupId: number, page: { before?: number; limit?: number } = {}): Promise<MessageReport[]> {
    return this.request("GET", `/group/${groupId}/reports${query(page)}`);
  }

  resolveReport(groupId: number, reportId: number): Promise<void> {
    return this.request("DELETE", `/group/${groupId}/reports/${reportId}`);
  }

  searchUsers(term: string): Promise<FoundUser[]> {
    return this.request("GET", `/search/${query({ q: term })}`);
  }

  /**
   * Opens a chat's socket from `afterSeq` (a page's `seq`; 0 for everything): every change after it
   * arrives once, in order, then live ones; on a drop it reconnects from the last one it delivered.
   */
  connect(chatId: number, afterSeq: number, handlers: ConnectionHandlers = {}): ChatConnection {
    return new ChatConnection(this, chatId, afterSeq, handlers);
  }

  /** The key to subscribe to Web Push with (a 404 `push_not_configured` when the server does not push). */
  async vapidKey(): Promise<string> {
    return (await this.request<{ public_key: string }>("GET", "/push/vapid-key/")).public_key;
  }

  /** Adds a device to push to: a browser's `PushSubscription.toJSON()`, or `{kind, token}` for FCM and APNs. */
  subscribePush(subscription: { endpoint?: string; keys?: { p256dh?: string; auth?: string }; kind?: string; token?: string; device_id?: string }): Promise<{ id: number }> {
    return this.request("POST", "/push/subscriptions/", subscription);
  }

  listPushSubscriptions(): Promise<{ id: number; kind: string; endpoint_host: string | null; device_id: string | null; created: string }[]> {
    return this.request("GET", "/push/subscriptions/");
  }

  unsubscribePush(id: number): Promise<void> {
    return this.request("DELETE", `/push/subscriptions/${id}`);
  }

  /**
   * What changed across your chats since a cursor (`GET /sync/`); without one, a first cursor
   * (`limited`: load the lists). Call again at once with `next` while `has_more`.
   */
  sync(since?: string, limit?: number): Promise<SyncPage> {
    return this.request("GET", `/sync/${query({ since, limit })}`);
  }

  /**
   * Opens your user stream (`ws/user/`): the events of all your chats on one socket, from `since`
   * (a cursor) or from now. It keeps the newest cursor and reconnects from it after a drop.
   */
  connectUser(handlers: UserStreamHandlers = {}, since?: string): UserConnection {
    return new UserConnection(this, since, handlers);
  }

  /** Opens a chat's file socket: files go live to the members who are online, and are never stored. */
  connectFiles(chatId: number, handlers: FileHandlers = {}): FileConnection {
    return new FileConnection(this, chatId, handlers);
  }

  /** Calls a route of the contract; a refusal becomes a {@link ChatError}. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers = await this.#headers(method);
    const form = typeof FormData !== "undefined" && body instanceof FormData;
    if (body !== undefined && !form) {
      headers["Content-Type"] = "application/json";
    }

    const response = await (this.#options.fetch ?? fetch)(this.#base + path, {
      method,
      headers,
      body: body === undefined ? undefined : form ? (body as FormData) : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      throw new ChatError(response.status, json?.code, json?.detail ?? json?.title ?? `HTTP ${response.status}`);
    }

    return json as T;
  }

  /** The credentials of a call: the bearer token, or for a cookie session's changes the anti-forgery token. */
  async #headers(method: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = await this.#options.accessToken?.();
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    } else if (method !== "GET" && this.#options.antiforgeryToken) {
      headers.RequestVerificationToken = this.#options.antiforgeryToken;
    }

    return headers;
  }

  /** The socket address of a chat, with the bearer token in the query (browsers' sockets cannot send headers). */
  socketUrl(chatId: number, afterSeq: number): Promise<string> {
    return this.#socketUrl(`/ws/chat/${chatId}/`, { after_seq: String(afterSeq) });
  }

  async #socketUrl(path: string, parameters: Record<string, string>): Promise<string> {
    const token = await this.#options.accessToken?.();
    // A relative base (a page's own path) resolves against the page's address.
    const url = new URL(this.#base + path, typeof location === "undefined" ? undefined : location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    for (const [name, value] of Object.entries(parameters)) {
      url.searchParams.set(name, value);
    }

    if (token) {
      url.searchParams.set("access_token", token);
    }

    return url.toString();
  }

  /** The user stream's address, from a cursor or from now. */
  userSocketUrl(since?: string): Promise<string> {
    return this.#socketUrl("/ws/user/", since ? { since } : {});
  }

  /** The file socket address of a chat. */
  fileSocketUrl(chatId: number): Promise<string> {
    return this.#socketUrl(`/ws/file/${chatId}/`, {});
  }

  /** @internal */
  get webSocket(): typeof WebSocket {
    return this.#options.WebSocket ?? WebSocket;
  }
}

/** One chat's live socket, kept open until {@link close}, or until the user may no longer be in it. */
export class ChatConnection {
  #socket: WebSocket | undefined;
  #lastSeq: number;
  #attempt = 0;
  #stopped = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #held: ChatEvent[] = [];
  #filling: Promise<void> | undefined;

  constructor(
    readonly client: ChatClient,
    readonly chatId: number,
    afterSeq: number,
    readonly handlers: ConnectionHandlers,
  ) {
    this.#lastSeq = afterSeq;
    void this.#open();
  }

  /** The `seq` of the last change delivered. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Sends a message (a reply, with `replyTo`; with files, their upload ids in `attachments`); the
   * returned client id makes a resend after a drop harmless.
   */
  send(text: string, clientId: string = crypto.randomUUID(), replyTo?: number, attachments?: string[]): string {
    this.#frame({ type: "message", text, client_id: clientId, reply_to: replyTo, attachments });
    return clientId;
  }

  /** Edits your message: success is the `message_updated` event; a refusal an `error` event with the message's `id`. */
  edit(messageId: number, text: string, clientId: string = crypto.randomUUID()): void {
    this.#frame({ type: "edit", id: messageId, text, client_id: clientId });
  }

  deleteMessage(messageId: number): void {
    this.#frame({ type: "delete", id: messageId });
  }

  /** Adds (`on`) or removes your reaction: success is the `reaction` event. */
  react(messageId: number, emoji: string, on = true): void {
    this.#frame({ type: "react", id: messageId, emoji, on });
  }

  pin(messageId: number, pinned = true): void {
    this.#frame({ type: "pin", id: messageId, pinned });
  }

  markRead(upTo: number): void {
    this.#frame({ type: "read", up_to: upTo });
  }

  typing(): void {
    this.#frame({ type: "typing" });
  }

  /** Drops the socket and connects again from the last change (say, when the device's network changed). */
  reconnect(): void {
    this.#socket?.close();
  }

  /** Closes for good. */
  close(): void {
    this.#stop("closed");
  }

  #frame(frame: object): void {
    if (this.#socket?.readyState !== 1) {
      throw new ChatError(0, "not_connected", "The chat socket is not open; wait for the live state.");
    }

    this.#socket.send(JSON.stringify(frame));
  }

  async #open(): Promise<void> {
    this.#state({ state: "connecting" });
    let socket: WebSocket;
    try {
      socket = new this.client.webSocket(await this.client.socketUrl(this.chatId, this.#lastSeq));
    } catch {
      // No token, or no network: the same as a socket that would not open.
      return this.#afterDrop(true);
    }

    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#attempt = 0;
    };
    socket.onmessage = (message) => this.#receive(JSON.parse(String(message.data)) as ChatEvent);
    socket.onclose = (close) => {
      if (this.#socket !== socket || this.#stopped) {
        return;
      }

      // The server ended the user's sign-ins and says so: the REST API cannot tell, since an access
      // token outlives the sign-in for plain calls until it expires.
      if (close.code === 1008 && close.reason === "Signed out") {
        return this.#stop("signed_out");
      }

      void this.#afterDrop(!opened || close.code === 1008);
    };
  }

  /**
   * A socket that would not open, or that the server closed for policy (1008), may mean the user
   * signed out or is no longer a member; the browser cannot see why, so the REST API is asked.
   */
  async #afterDrop(ask: boolean): Promise<void> {
    if (ask) {
      try {
        await this.client.getChat(this.chatId, { markRead: false });
      } catch (error) {
        if (error instanceof ChatError && error.status === 401) {
          return this.#stop("signed_out");
        }

        if (error instanceof ChatError && (error.status === 403 || error.status === 404)) {
          return this.#stop("not_member");
        }
      }
    }

    if (this.#stopped) {
      return; // Closed by its owner meanwhile.
    }

    this.#attempt++;
    this.#state({ state: "reconnecting", attempt: this.#attempt });
    const delay = Math.min(10_000, 250 * 2 ** Math.min(this.#attempt, 6)) * (0.5 + Math.random() / 2);
    this.#retry = setTimeout(() => void this.#open(), delay);
  }

  #receive(event: ChatEvent): void {
    if (event.type === "caught_up") {
      const seq = Number(event.seq);
      if (event.limited) {
        this.#lastSeq = seq;
        this.#state({ state: "reload", seq });
      } else {
        this.#lastSeq = Math.max(this.#lastSeq, seq);
        this.#state({ state: "live", seq: this.#lastSeq });
      }

      return;
    }

    if (typeof event.seq !== "number") {
      this.handlers.onEvent?.(event); // Ephemeral: typing, status, read, error.
      return;
    }

    this.#held.push(event);
    void this.#deliver();
  }

  /** Delivers held changes in order, filling a gap from the REST API first. */
  async #deliver(): Promise<void> {
    if (this.#filling) {
      return;
    }

    this.#held.sort((a, b) => Number(a.seq) - Number(b.seq));
    while (this.#held.length > 0) {
      const next = this.#held[0];
      const seq = Number(next.seq);
      if (seq <= this.#lastSeq) {
        this.#held.shift(); // Had it already.
      } else if (seq === this.#lastSeq + 1) {
        this.#held.shift();
        this.#lastSeq = seq;
        this.handlers.onEvent?.(next);
      } else {
        this.#filling = this.#fill()
          .catch(() => new Promise<void>((resolve) => setTimeout(resolve, 1000))) // The server is away: ask again shortly.
          .finally(() => {
            this.#filling = undefined;
            if (!this.#stopped) {
              void this.#deliver();
            }
          });
        return;
      }
    }
  }

  async #fill(): Promise<void> {
    let page: ChangesPage;
    do {
      page = await this.client.getChanges(this.chatId, this.#lastSeq);
      if (page.limited) {
        this.#lastSeq = page.seq;
        this.#held.length = 0;
        this.#state({ state: "reload", seq: page.seq });
        return;
      }

      for (const event of page.events) {
        if (Number(event.seq) === this.#lastSeq + 1) {
          this.#lastSeq = Number(event.seq);
          this.handlers.onEvent?.(event);
        }
      }
    } while (page.has_more);
  }

  #stop(reason: "closed" | "signed_out" | "not_member"): void {
    if (this.#stopped) {
      return;
    }

    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#socket?.close();
    this.#state({ state: "stopped", reason });
  }

  #state(state: ConnectionState): void {
    this.handlers.onState?.(state);
  }
}

/** A page of `GET /sync/`: events of all your chats (each chat's in `seq` order), and where to go on from. */
export interface SyncPage {
  events: ChatEvent[];
  next: string;
  has_more: boolean;
  /** Nothing was replayed (no cursor, or an unusable one): load the lists and open pages again. */
  limited: boolean;
  /** Chats with too much to replay: load their newest pages again. */
  limited_chats: number[];
}

/** What a user stream tells its owner. */
export interface UserStreamHandlers {
  /** Each event once (a chat's repeats dropped), a chat's changes in `seq` order. */
  onEvent?: (event: ChatEvent) => void;
  /** The replay since the cursor is done: with `limited`, load the lists (and `limitedChats`' pages) again. */
  onSynced?: (limited: boolean, limitedChats: number[]) => void;
  onState?: (state: ConnectionState) => void;
}

/**
 * Your user stream: one socket for all your chats. It drops a chat's repeats by `seq`, keeps the
 * newest cursor (from `synced` and `cursor` frames) and reconnects from it, so nothing is lost
 * across a drop. Its frames name their chat (`chat_id`).
 */
export class UserConnection {
  #socket: WebSocket | undefined;
  #cursor: string | undefined;
  #attempt = 0;
  #stopped = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #lastSeq = new Map<number, number>();

  constructor(
    readonly client: ChatClient,
    since: string | undefined,
    readonly handlers: UserStreamHandlers,
  ) {
    this.#cursor = since;
    void this.#open();
  }

  /** The newest cursor the server gave: where a later sync or stream goes on from. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Sends a chat's frame (`message`, `read`, `typing`, `edit`…) over the stream. */
  send(chatId: number, frame: { type: string; [field: string]: unknown }): void {
    this.#frame({ ...frame, chat_id: chatId });
  }

  /** Gets typing, presence and group reads of these chats too (the open one). */
  watch(chatIds: number[], on = true): void {
    this.#frame({ type: on ? "watch" : "unwatch", chat_ids: chatIds });
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#socket?.close();
    this.handlers.onState?.({ state: "stopped", reason: "closed" });
  }

  #frame(frame: object): void {
    if (this.#socket?.readyState !== 1) {
      throw new ChatError(0, "not_connected", "The user stream is not open; wait for the live state.");
    }

    this.#socket.send(JSON.stringify(frame));
  }

  async #open(): Promise<void> {
    this.handlers.onState?.({ state: "connecting" });
    let socket: WebSocket;
    try {
      socket = new this.client.webSocket(await this.client.userSocketUrl(this.#cursor));
    } catch {
      return this.#afterDrop(true);
    }

    this.#socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#attempt = 0;
    };
    socket.onmessage = (message) => this.#receive(JSON.parse(String(message.data)) as ChatEvent);
    socket.onclose = (close) => {
      if (this.#socket !== socket || this.#stopped) {
        return;
      }

      // As on a chat socket: the server ended the user's sign-ins, which the REST API cannot tell.
      if (close.code === 1008 && close.reason === "Signed out") {
        return this.#signedOut();
      }

      void this.#afterDrop(!opened);
    };
  }

  #signedOut(): void {
    this.#stopped = true;
    this.handlers.onState?.({ state: "stopped", reason: "signed_out" });
  }

  async #afterDrop(ask: boolean): Promise<void> {
    if (ask) {
      try {
        await this.client.listChats();
      } catch (error) {
        if (error instanceof ChatError && error.status === 401) {
          return this.#signedOut();
        }

        if (error instanceof ChatError && error.status === 400) {
          this.#cursor = undefined; // A cursor the server no longer takes: start afresh (limited).
        }
      }
    }

    if (this.#stopped) {
      return;
    }

    this.#attempt++;
    this.handlers.onState?.({ state: "reconnecting", attempt: this.#attempt });
    const delay = Math.min(10_000, 250 * 2 ** Math.min(this.#attempt, 6)) * (0.5 + Math.random() / 2);
    this.#retry = setTimeout(() => void this.#open(), delay);
  }

  #receive(event: ChatEvent): void {
    switch (event.type) {
      case "synced":
        this.#cursor = String(event.next);
        this.handlers.onState?.({ state: "live", seq: 0 });
        this.handlers.onSynced?.(Boolean(event.limited), (event.limited_chats as number[] | undefined) ?? []);
        return;
      case "cursor":
        this.#cursor = String(event.next);
        return;
    }

    const chatId = Number(event.chat_id);
    if (typeof event.seq === "number" && event.type !== "unread") {
      if (event.type === "chat_removed") {
        this.#lastSeq.delete(chatId);
      } else if (event.seq <= (this.#lastSeq.get(chatId) ?? 0)) {
        return; // Had it already.
      } else {
        this.#lastSeq.set(chatId, event.seq);
      }
    }

    this.handlers.onEvent?.(event);
  }
}

/** A file as the file socket carries it: the bytes base64-encoded. */
export interface RelayedFile {
  name: string;
  type: string;
  size: number;
  data: string;
}

/** A file that reached this user. */
export interface FileEvent {
  type: "file";
  chat_id: number;
  sender: number;
  sender_username: string;
  time: string;
  file: RelayedFile;
}

/** What a file connection tells its owner. */
export interface FileHandlers {
  onFile?: (event: FileEvent) => void;
  /** A refusal: `recipient_offline` (nobody else online), `file_too_large`, or another error code. */
  onError?: (code: string, detail: string) => void;
}

/** A chat's file socket, reopened after a drop until {@link close}. */
export class FileConnection {
  #socket: WebSocket | undefined;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly client: ChatClient,
    readonly chatId: number,
    readonly handlers: FileHandlers,
  ) {
    void this.#open();
  }

  get isOpen(): boolean {
    return this.#socket?.readyState === 1;
  }

  /** Sends a file to the members who are online. */
  send(file: RelayedFile): void {
    if (!this.isOpen) {
      throw new ChatError(0, "not_connected", "The file socket is not open.");
    }

    this.#socket!.send(JSON.stringify({ type: "file", file }));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#socket?.close();
  }

  async #open(): Promise<void> {
    try {
      const socket = new this.client.webSocket(await this.client.fileSocketUrl(this.chatId));
      this.#socket = socket;
      socket.onmessage = (message) => {
        const frame = JSON.parse(String(message.data));
        if (frame.type === "file") {
          this.handlers.onFile?.(frame as FileEvent);
        } else if (frame.type === "error") {
          this.handlers.onError?.(String(frame.code), String(frame.detail ?? frame.code));
        }
      };
      socket.onclose = () => this.#later();
    } catch {
      this.#later();
    }
  }

  #later(): void {
    if (!this.#closed) {
      this.#retry = setTimeout(() => void this.#open(), 2000);
    }
  }
}

function pageQuery(page: PageQuery): string {
  return query({ before: page.before, around: page.around, limit: page.limit, mark_read: page.markRead });
}

function query(values: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return entries.length === 0 ? "" : "?" + new URLSearchParams(entries.map(([key, value]) => [key, String(value)])).toString();
}
