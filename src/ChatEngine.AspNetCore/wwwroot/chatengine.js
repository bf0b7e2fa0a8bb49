// ChatEngine's pages: /home/ (lists, search, new chat or group, join by code) and /chat-web/{id}
// (live chat over the raw WebSocket, with catch-up, receipts, typing, presence and files).
(() => {
  "use strict";
  const meta = name => document.querySelector(`meta[name="${name}"]`);
  const api = meta("ce-api")?.content ?? "";
  const antiforgery = meta("ce-antiforgery")?.content ?? "";
  const me = { id: Number(meta("ce-me")?.content), username: meta("ce-me")?.dataset.username };
  const banner = document.getElementById("ce-status");

  function showStatus(text, isError) {
    if (!banner) return;
    banner.textContent = text ?? "";
    banner.hidden = !text;
    banner.classList.toggle("ce-error", !!isError);
  }

  async function call(method, path, body) {
    const response = await fetch(api + path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "RequestVerificationToken": antiforgery, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new Error(data?.detail ?? data?.error ?? `Request failed (${response.status})`), { status: response.status });
    return data;
  }

  function formatTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
  }
  const socketUrl = path => `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${api}${path}`;

  // ---------- /home/ ----------
  function home() {
    const render = (list, items, titleKey) => {
      list.replaceChildren(...items.map(item => {
        const li = document.createElement("li");
        li.dataset.chatId = item.id;
        const a = document.createElement("a");
        a.href = `${api}/chat-web/${item.id}`;
        const title = Object.assign(document.createElement("span"), { className: "ce-title", textContent: item[titleKey] });
        const preview = Object.assign(document.createElement("span"), { className: "ce-preview", textContent: item.lastMessage ?? "" });
        const time = Object.assign(document.createElement("time"), { dateTime: item.time, textContent: formatTime(item.time) });
        const badge = Object.assign(document.createElement("span"), { className: "ce-badge", textContent: item.unread, hidden: item.unread === 0 });
        badge.setAttribute("aria-label", `${item.unread} unread`);
        a.append(title, preview, time, badge);
        li.append(a);
        return li;
      }));
    };

    for (const time of document.querySelectorAll(".ce-list time")) time.textContent = formatTime(time.dateTime);
    const chatList = document.getElementById("ce-chats");
    const groupList = document.getElementById("ce-groups");
    let hub = null;
    let joined = new Set();

    async function refresh() {
      try {
        const [chats, groups] = await Promise.all([call("GET", "/chat/"), call("GET", "/group/")]);
        render(chatList, chats, "username");
        render(groupList, groups, "name");
        document.querySelector(".ce-empty")?.toggleAttribute("hidden", chats.length > 0);
        await joinAll([...chats, ...groups].map(c => c.id));
        showStatus("");
      } catch (error) {
        showStatus(`Could not refresh your chats: ${error.message}`, true);
      }
    }

    async function joinAll(ids) {
      if (hub?.state !== "Connected") return;
      for (const id of ids.filter(id => !joined.has(id))) {
        await hub.invoke("JoinChat", id, null).then(() => joined.add(id), () => {});
      }
    }

    let pending = null;
    const refreshSoon = () => { clearTimeout(pending); pending = setTimeout(refresh, 200); };

    if (window.signalR) {
      // WebSockets only, without the negotiate round trip: any host behind a load balancer can take it.
      hub = new signalR.HubConnectionBuilder()
        .withUrl(`${api}/hubs/chat`, { skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets })
        .withAutomaticReconnect().build();
      hub.on("message", refreshSoon);
      hub.on("read", refreshSoon);
      hub.onreconnecting(() => showStatus("Connection lost; reconnecting…", true));
      hub.onreconnected(() => { joined = new Set(); refresh(); });
      hub.start().then(() => joinAll([...document.querySelectorAll("[data-chat-id]")].map(li => Number(li.dataset.chatId))))
        .catch(() => showStatus("Live updates are unavailable; the list refreshes every 30 seconds.", true));
    }
    // New chats started by others reach us through this refresh.
    setInterval(refresh, 30000);

    const search = document.getElementById("ce-search");
    const results = document.getElementById("ce-search-results");
    let searchTimer = null;
    search.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(async () => {
        const q = search.value.trim();
        if (!q) { results.replaceChildren(); return; }
        try {
          const users = await call("GET", `/search/?q=${encodeURIComponent(q)}`);
          results.replaceChildren(...users.map(user => {
            const li = document.createElement("li");
            const button = Object.assign(document.createElement("button"), { type: "button", textContent: `Chat with ${user.username}` });
            const dot = Object.assign(document.createElement("span"), { className: user.is_online ? "ce-dot ce-online" : "ce-dot", title: user.is_online ? "online" : "offline" });
            button.addEventListener("click", async () => {
              try {
                const chat = await call("POST", "/chat/", { username: user.username });
                location.href = `${api}/chat-web/${chat.id}`;
              } catch (error) { showStatus(error.message, true); }
            });
            li.append(dot, button);
            return li;
          }));
          if (users.length === 0) results.replaceChildren(Object.assign(document.createElement("li"), { textContent: "Nobody found." }));
        } catch (error) { showStatus(error.message, true); }
      }, 250);
    });
    document.getElementById("ce-search-form").addEventListener("submit", e => e.preventDefault());

    document.getElementById("ce-group-form").addEventListener("submit", async e => {
      e.preventDefault();
      const members = document.getElementById("ce-group-members").value.split(",").map(s => s.trim()).filter(Boolean);
      try {
        const group = await call("POST", "/group/", { name: document.getElementById("ce-group-name").value, members });
        location.href = `${api}/chat-web/${group.id}`;
      } catch (error) { showStatus(error.message, true); }
    });

    document.getElementById("ce-join-form").addEventListener("submit", async e => {
      e.preventDefault();
      try {
        const group = await call("POST", "/group-join/", { code: document.getElementById("ce-join-code").value.trim() });
        location.href = `${api}/chat-web/${group.id}`;
      } catch (error) { showStatus(error.message, true); }
    });
  }

  // ---------- /chat-web/{id} ----------
  function chat(main) {
    const chatId = Number(main.dataset.chatId);
    const list = document.getElementById("ce-messages");
    const text = document.getElementById("ce-text");
    const typingLine = document.getElementById("ce-typing");
    const presence = document.getElementById("ce-presence");
    let hasMore = main.dataset.hasMore === "true";
    let socket = null;
    let fileSocket = null;
    let retryDelay = 500;
    const unsent = new Map(); // client_id -> text, resent after a reconnect (idempotent by client_id)
    const readers = new Map(); // message id -> Map(username -> time)

    const lastId = () => Number(list.lastElementChild?.dataset.id ?? 0);
    const firstId = () => Number(list.firstElementChild?.dataset.id ?? 0);

    function renderReceipt(li) {
      const receipt = li.querySelector(".ce-receipt");
      const byUser = readers.get(Number(li.dataset.id));
      if (!receipt || !byUser || byUser.size === 0 || Number(li.dataset.sender) !== me.id) return;
      receipt.textContent = "Read by " + [...byUser].map(([name, at]) => `${name} ${formatTime(at)}`).join(", ");
    }

    function messageItem(m) {
      const li = document.createElement("li");
      li.dataset.id = m.id;
      li.dataset.sender = m.sender;
      li.className = m.sender === me.id ? "ce-mine" : "ce-theirs";
      li.append(
        Object.assign(document.createElement("span"), { className: "ce-sender", textContent: m.sender_username ?? m.sendername }),
        Object.assign(document.createElement("p"), { className: "ce-text", textContent: m.text }),
        Object.assign(document.createElement("time"), { dateTime: m.time, textContent: formatTime(m.time) }),
        Object.assign(document.createElement("span"), { className: "ce-receipt" }));
      if (m.read_by && !Array.isArray(m.read_by)) {
        readers.set(m.id, new Map(Object.entries(m.read_by)));
        renderReceipt(li);
      }
      return li;
    }

    for (const li of list.children) {
      const entries = (li.querySelector(".ce-receipt")?.dataset.readBy ?? "").split(",").filter(Boolean)
        .map(pair => { const at = pair.lastIndexOf("@"); return [pair.slice(0, at), pair.slice(at + 1)]; });
      readers.set(Number(li.dataset.id), new Map(entries));
      renderReceipt(li);
      li.querySelector("time").textContent = formatTime(li.querySelector("time").dateTime);
    }

    if (presence?.dataset.lastseen && presence.classList.contains("ce-offline")) {
      presence.textContent = `last seen ${formatTime(presence.dataset.lastseen)}`;
    }

    const scrollToEnd = () => { list.scrollTop = list.scrollHeight; };
    scrollToEnd();

    function markRead() {
      const id = lastId();
      if (id && document.visibilityState === "visible" && socket?.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "read", up_to: id }));
      }
    }

    function onFrame(frame) {
      switch (frame.type) {
        case "message": {
          unsent.delete(frame.client_id);
          if (list.querySelector(`li[data-id="${frame.id}"]`)) return; // catch-up and live can overlap: show once
          const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
          list.append(messageItem(frame));
          if (frame.sender !== me.id) { typingLine.textContent = ""; markRead(); }
          if (atEnd || frame.sender === me.id) scrollToEnd();
          break;
        }
        case "read":
          if (frame.user === me.id) return;
          for (const li of list.querySelectorAll("li[data-id]")) {
            const id = Number(li.dataset.id);
            if (id > frame.up_to || Number(li.dataset.sender) !== me.id) continue;
            if (!readers.has(id)) readers.set(id, new Map());
            if (!readers.get(id).has(frame.username)) readers.get(id).set(frame.username, frame.time);
            renderReceipt(li);
          }
          break;
        case "typing":
          if (frame.user === me.id) return;
          typingLine.textContent = `${frame.username} is typing…`;
          clearTimeout(onFrame.typingTimer);
          onFrame.typingTimer = setTimeout(() => { typingLine.textContent = ""; }, 3000);
          break;
        case "status":
          if (frame.user === me.id || !presence) return;
          statusFrames++;
          showPresence(frame.is_online, frame.lastseen, frame.username);
          // Someone going offline is often someone moving between pages: check again shortly, so a
          // reconnect whose news was lost does not leave them shown offline.
          clearTimeout(onFrame.presenceTimer);
          if (!frame.is_online) onFrame.presenceTimer = setTimeout(refreshPresence, 2000);
          break;
        case "error":
          showStatus(frame.code === "rate_limited" ? "You are sending too fast; wait a moment." : frame.detail, true);
          break;
      }
    }

    function showPresence(isOnline, lastseen, username) {
      const group = main.dataset.kind === "group";
      presence.className = isOnline ? "ce-online" : "ce-offline";
      presence.textContent = isOnline ? (group ? `${username} is online` : "online")
        : lastseen ? `${group ? username + " " : ""}last seen ${formatTime(lastseen)}` : "offline";
    }

    // The page was rendered before its socket subscribed: a change of presence in between reached
    // neither. So once the socket is open (every later change now arrives as a frame), presence is
    // read again, unless a frame, which is newer, came meanwhile.
    let statusFrames = 0;
    async function refreshPresence() {
      if (!presence || main.dataset.kind === "group") return;
      const framesBefore = statusFrames;
      try {
        const detail = await call("GET", `/chat/${chatId}?limit=1`);
        if (statusFrames === framesBefore) showPresence(detail.is_online, detail.lastseen, null);
      } catch {
        // The socket's own frames keep presence current from here on.
      }
    }

    let stopped = false;
    function connect() {
      let opened = false;
      socket = new WebSocket(socketUrl(`/ws/chat/${chatId}/?after=${lastId()}`));
      socket.onopen = () => {
        opened = true;
        retryDelay = 500;
        showStatus("");
        for (const [clientId, pendingText] of unsent) socket.send(JSON.stringify({ type: "message", text: pendingText, client_id: clientId }));
        markRead();
        refreshPresence();
      };
      socket.onmessage = event => onFrame(JSON.parse(event.data));
      socket.onclose = async close => {
        // A browser cannot read why a socket was refused or closed for policy: the REST API says
        // whether the user signed out or is no longer a member, and then there is nothing to retry.
        if ((!opened || close.code === 1008) && await stopIfShutOut()) return;
        showStatus("You are offline; reconnecting…", true);
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      };
    }

    async function stopIfShutOut() {
      try {
        await call("GET", `/chat/${chatId}?mark_read=false`);
        return false;
      } catch (error) {
        if (error.status === 401) stop("You are signed out. Sign in again to keep chatting.");
        else if (error.status === 403 || error.status === 404) stop("You are no longer a member of this chat.");
        return stopped;
      }
    }

    function stop(reason) {
      stopped = true;
      showStatus(reason, true);
      text.disabled = true;
      document.querySelectorAll("#ce-send-form button, #ce-file").forEach(control => { control.disabled = true; });
      fileSocket?.close();
    }
    connect();

    document.getElementById("ce-send-form").addEventListener("submit", e => {
      e.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      const clientId = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
      unsent.set(clientId, value);
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "message", text: value, client_id: clientId }));
      else showStatus("You are offline; the message will be sent when the connection is back.", true);
      text.value = "";
    });

    text.addEventListener("keydown", e => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        document.getElementById("ce-send-form").requestSubmit();
      }
    });

    let lastTyping = 0;
    text.addEventListener("input", () => {
      if (Date.now() - lastTyping > 2000 && socket?.readyState === WebSocket.OPEN) {
        lastTyping = Date.now();
        socket.send(JSON.stringify({ type: "typing" }));
      }
    });

    document.addEventListener("visibilitychange", markRead);

    let loadingOlder = false;
    list.addEventListener("scroll", async () => {
      if (list.scrollTop > 40 || !hasMore || loadingOlder || !firstId()) return;
      loadingOlder = true;
      try {
        const page = await call("GET", `/chat/${chatId}?before=${firstId()}&limit=50`);
        const before = list.scrollHeight;
        list.prepend(...page.messages.map(messageItem));
        list.scrollTop += list.scrollHeight - before;
        hasMore = page.has_more;
      } catch (error) { showStatus(error.message, true); }
      finally { loadingOlder = false; }
    });

    // Files: relayed live to members who are online, never stored.
    function connectFiles() {
      fileSocket = new WebSocket(socketUrl(`/ws/file/${chatId}/`));
      fileSocket.onmessage = event => {
        const frame = JSON.parse(event.data);
        if (frame.type === "error") {
          showStatus(frame.code === "recipient_offline" ? "Nobody else is online to receive the file."
            : frame.code === "file_too_large" ? "That file is too large to send." : frame.detail, true);
          return;
        }
        if (frame.type !== "file") return;
        const li = document.createElement("li");
        li.className = "ce-theirs ce-file";
        const url = `data:${frame.file.type || "application/octet-stream"};base64,${frame.file.data}`;
        li.append(Object.assign(document.createElement("span"), { className: "ce-sender", textContent: frame.sender_username }));
        if ((frame.file.type ?? "").startsWith("image/")) {
          li.append(Object.assign(document.createElement("img"), { src: url, alt: frame.file.name, className: "ce-preview-image" }));
        }
        li.append(Object.assign(document.createElement("a"), { href: url, download: frame.file.name, textContent: `Download ${frame.file.name}` }));
        list.append(li);
        scrollToEnd();
      };
      fileSocket.onclose = () => { if (!stopped) setTimeout(connectFiles, 2000); };
    }
    connectFiles();

    document.getElementById("ce-file").addEventListener("change", e => {
      const file = e.target.files?.[0];
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => {
        const data = String(reader.result).split(",", 2)[1] ?? "";
        if (fileSocket?.readyState !== WebSocket.OPEN) { showStatus("Files need a live connection; try again in a moment.", true); return; }
        fileSocket.send(JSON.stringify({ type: "file", file: { name: file.name, type: file.type, size: file.size, data } }));
        const li = Object.assign(document.createElement("li"), { className: "ce-mine ce-file", textContent: `You sent ${file.name}` });
        list.append(li);
        scrollToEnd();
      };
      reader.readAsDataURL(file);
      e.target.value = "";
    });
  }

  const main = document.querySelector("main[data-page]");
  if (main?.dataset.page === "home") home();
  if (main?.dataset.page === "chat") chat(main);
})();
